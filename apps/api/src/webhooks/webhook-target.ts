import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { forbiddenAddress } from './webhook-address';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address a host name resolves to, as the system resolver gives them. */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (host) => dns.lookup(host, { all: true, verbatim: true });

/** How long a registration waits for a host name to resolve. */
const RESOLVE_TIMEOUT_MS = 5000;

export type TargetRefusal = 'WEBHOOK_HTTPS_REQUIRED' | 'WEBHOOK_HOST_NOT_ALLOWED' | 'WEBHOOK_TARGET_FORBIDDEN' | 'WEBHOOK_TARGET_UNRESOLVED';

/** A webhook URL this server will not send to, with the stable code of the reason. */
export class WebhookTargetRefused extends Error {
  constructor(
    readonly code: TargetRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface TargetPolicy {
  /** WEBHOOK_ALLOWED_HOSTS: when set, the only hosts allowed, whatever addresses they have. */
  readonly allowedHosts: readonly string[] | undefined;
  /** WEBHOOK_ALLOW_HTTP: plain http besides https. */
  readonly allowHttp: boolean;
}

/** Where a delivery connects: the URL, and the lookup that checks each address its host resolves to. */
export interface Connection {
  readonly url: URL;
  /** Undefined for an allow-listed host (any address) or an IP literal (checked already). */
  readonly lookup: LookupFunction | undefined;
}

/**
 * Which URLs webhooks may send to. Without WEBHOOK_ALLOWED_HOSTS, any host whose every address
 * is on the public internet; loopback, private, link-local, multicast and unspecified addresses
 * are refused at registration and again at every connection, since the address a name resolves
 * to may change between the two (DNS rebinding). With it, only the hosts it names, whatever
 * their addresses: that is how an operator lets webhooks reach an internal receiver.
 */
export class WebhookTargets {
  constructor(
    private readonly policy: TargetPolicy,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  /** At registration: throws WebhookTargetRefused unless deliveries to `url` would be sent. */
  async check(url: string): Promise<void> {
    const { host, allowListed } = this.target(new URL(url));
    if (allowListed) return;
    if (isIP(host)) return refuseForbidden(host, host);
    let addresses: ResolvedAddress[];
    try {
      addresses = await withTimeout(this.resolve(host), RESOLVE_TIMEOUT_MS);
    } catch (error) {
      throw new WebhookTargetRefused('WEBHOOK_TARGET_UNRESOLVED', `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    for (const { address } of addresses) refuseForbidden(host, address);
  }

  /** At each attempt: throws WebhookTargetRefused for a URL refused now; the lookup refuses a forbidden address. */
  connection(url: string): Connection {
    const parsed = new URL(url);
    const { host, allowListed } = this.target(parsed);
    if (allowListed) return { url: parsed, lookup: undefined };
    // Node connects to an IP literal without a lookup: it is checked here.
    if (isIP(host)) {
      refuseForbidden(host, host);
      return { url: parsed, lookup: undefined };
    }
    return { url: parsed, lookup: this.guardedLookup() };
  }

  private target(url: URL): { host: string; allowListed: boolean } {
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.policy.allowHttp)) {
      throw new WebhookTargetRefused('WEBHOOK_HTTPS_REQUIRED', `webhooks are sent over https (set WEBHOOK_ALLOW_HTTP=true to allow ${url.protocol.slice(0, -1)})`);
    }
    const host = webhookHost(url.hostname);
    const allowed = this.policy.allowedHosts;
    if (allowed && !allowed.includes(host)) throw new WebhookTargetRefused('WEBHOOK_HOST_NOT_ALLOWED', `${host} is not in WEBHOOK_ALLOWED_HOSTS`);
    return { host, allowListed: allowed !== undefined };
  }

  /** A `lookup` for http(s).request: resolves, and fails the connection if any address is forbidden. */
  private guardedLookup(): LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname).then(
        (addresses) => {
          for (const { address } of addresses) {
            const reason = forbiddenAddress(address);
            if (reason) return callback(forbidden(hostname, address, reason), '', 0);
          }
          const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
          const wanted = family ? addresses.filter((a) => a.family === family) : addresses;
          if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '', 0);
          if (options.all) callback(null, wanted);
          else callback(null, wanted[0].address, wanted[0].family);
        },
        (error: NodeJS.ErrnoException) => callback(error, '', 0),
      );
    };
  }
}

/** A URL's host as WEBHOOK_ALLOWED_HOSTS names it: lower case, IPv6 without brackets, no trailing dot. */
export function webhookHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

function refuseForbidden(host: string, address: string): void {
  const reason = forbiddenAddress(address);
  if (reason) throw forbidden(host, address, reason);
}

function forbidden(host: string, address: string, reason: string): WebhookTargetRefused {
  const what = host === address ? `${address} is` : `${host} resolves to ${address},`;
  return new WebhookTargetRefused('WEBHOOK_TARGET_FORBIDDEN', `${what} ${reason}: refused (name the host in WEBHOOK_ALLOWED_HOSTS to allow it)`);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
