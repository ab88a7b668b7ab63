import { isIP } from 'node:net';

/**
 * Why a webhook may not connect to an address, or undefined for an address on the public
 * internet. Covers the IPv4 ranges that reach this machine, its networks or no one, the IPv6
 * ones, and IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible
 * `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`), judged by the IPv4 address they carry.
 */
export function forbiddenAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return forbiddenIpv4(ipv4Octets(address));
  if (family === 6) return forbiddenIpv6(ipv6Groups(address));
  return 'not an IP address';
}

function forbiddenIpv4([a, b, c, d]: readonly number[]): string | undefined {
  if (a === 0) return b === 0 && c === 0 && d === 0 ? 'the unspecified address' : 'a "this network" address';
  if (a === 127) return 'a loopback address';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'a private address';
  if (a === 100 && b >= 64 && b <= 127) return 'a shared (carrier-grade NAT) address';
  if (a === 169 && b === 254) return 'a link-local address (cloud metadata lives there)';
  if (a === 192 && b === 0 && c === 0) return 'an IETF protocol address';
  if (a === 198 && (b === 18 || b === 19)) return 'a benchmarking address';
  if (a >= 224 && a <= 239) return 'a multicast address';
  if (a >= 240) return a === 255 && b === 255 && c === 255 && d === 255 ? 'the broadcast address' : 'a reserved address';
  return undefined;
}

function forbiddenIpv6(g: readonly number[]): string | undefined {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  const carried = () => [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff];
  if (zeroUpTo(8)) return 'the unspecified address';
  if (zeroUpTo(7) && g[7] === 1) return 'a loopback address';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible): the IPv4 address is where it goes.
  if (zeroUpTo(5) && (g[5] === 0xffff || g[5] === 0)) return forbiddenIpv4(carried());
  // 64:ff9b::/96 (NAT64): a gateway would connect to the IPv4 address it carries.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return forbiddenIpv4(carried());
  if ((g[0] & 0xfe00) === 0xfc00) return 'a private (unique local) address';
  if ((g[0] & 0xffc0) === 0xfe80) return 'a link-local address';
  if ((g[0] & 0xffc0) === 0xfec0) return 'a site-local address';
  if ((g[0] & 0xff00) === 0xff00) return 'a multicast address';
  return undefined;
}

function ipv4Octets(address: string): number[] {
  return address.split('.').map(Number);
}

/** The eight 16-bit groups of an IPv6 address (`isIP` said it is one), its IPv4 tail included. */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = ipv4Octets(tail[1]);
    text = `${text.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...right].map((x) => parseInt(x, 16));
}
