import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forbiddenAddress } from './webhook-address';
import { post, RESPONSE_BYTES_READ, signature } from './webhook-sender';
import { WebhookTargets, type ResolvedAddress } from './webhook-target';

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

/** A resolver that answers from a table, and counts its calls. */
function resolver(table: Record<string, ResolvedAddress[]>) {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const answer = table[host];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return { resolve, calls };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
}

describe('forbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::192.168.0.1', 'private'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(forbiddenAddress(address)).toContain(reason);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '172.15.255.255', '100.128.0.1', '192.0.2.10', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'])(
    'lets %s through',
    (address) => {
      expect(forbiddenAddress(address)).toBeUndefined();
    },
  );
});

describe('WebhookTargets at registration', () => {
  const open = { allowedHosts: undefined, allowHttp: true };

  it('refuses IP literals of loopback, private, link-local, multicast and unspecified addresses, in every spelling a URL takes', async () => {
    const targets = new WebhookTargets(open, resolver({}).resolve);
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://127.0.0.1:8080/',
      'http://10.0.0.1/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://0.0.0.0/',
      'http://224.0.0.1/',
      'http://[fe80::1]/',
      'http://[fd00::1]/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://0177.0.0.1/',
    ]) {
      expect({ url, refused: (await refusal(targets.check(url)))?.code }).toEqual({ url, refused: 'WEBHOOK_TARGET_FORBIDDEN' });
    }
    expect(await refusal(targets.check('http://93.184.215.14/hook'))).toBeUndefined();
  });

  it('refuses a name if any address it resolves to is forbidden, and a name that does not resolve', async () => {
    const { resolve } = resolver({
      'metadata.example': [v4('169.254.169.254')],
      'mixed.example': [v4('93.184.215.14'), v6('::ffff:10.0.0.1')],
      'public.example': [v4('93.184.215.14'), v6('2606:4700::1111')],
    });
    const targets = new WebhookTargets(open, resolve);
    expect(await refusal(targets.check('https://metadata.example/x'))).toEqual({
      code: 'WEBHOOK_TARGET_FORBIDDEN',
      message: 'metadata.example resolves to 169.254.169.254, a link-local address (cloud metadata lives there): refused (name the host in WEBHOOK_ALLOWED_HOSTS to allow it)',
    });
    expect((await refusal(targets.check('https://mixed.example/x')))?.code).toBe('WEBHOOK_TARGET_FORBIDDEN');
    expect((await refusal(targets.check('https://nowhere.example/x')))?.code).toBe('WEBHOOK_TARGET_UNRESOLVED');
    expect(await refusal(targets.check('https://public.example/x'))).toBeUndefined();
  });

  it('wants https unless WEBHOOK_ALLOW_HTTP is set', async () => {
    const targets = new WebhookTargets({ allowedHosts: undefined, allowHttp: false }, resolver({ 'public.example': [v4('93.184.215.14')] }).resolve);
    expect((await refusal(targets.check('http://public.example/x')))?.code).toBe('WEBHOOK_HTTPS_REQUIRED');
    expect(await refusal(targets.check('https://public.example/x'))).toBeUndefined();
  });

  it('with WEBHOOK_ALLOWED_HOSTS: the hosts it names whatever their addresses, and no other host', async () => {
    const { resolve, calls } = resolver({ 'public.example': [v4('93.184.215.14')] });
    const targets = new WebhookTargets({ allowedHosts: ['127.0.0.1', 'crm.internal', '::1'], allowHttp: true }, resolve);
    expect(await refusal(targets.check('http://127.0.0.1:9000/hooks'))).toBeUndefined();
    expect(await refusal(targets.check('http://[::1]:9000/hooks'))).toBeUndefined();
    expect(await refusal(targets.check('https://CRM.internal./hooks'))).toBeUndefined();
    expect((await refusal(targets.check('https://public.example/x')))?.code).toBe('WEBHOOK_HOST_NOT_ALLOWED');
    expect((await refusal(targets.check('http://10.0.0.1/x')))?.code).toBe('WEBHOOK_HOST_NOT_ALLOWED');
    expect(calls).toEqual([]);
  });
});

describe('WebhookTargets at each connection', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  let answer: (res: import('node:http').ServerResponse) => void = (res) => res.writeHead(204).end();
  const received: Array<{ headers: import('node:http').IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        answer(res);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    connections = 0;
    received.length = 0;
    answer = (res) => res.writeHead(204).end();
  });

  it('refuses a name that resolved to a public address at registration and to loopback now (DNS rebinding)', async () => {
    let answers = [[v4('93.184.215.14')], [v4('127.0.0.1')]];
    const calls: string[] = [];
    const rebinding = async (host: string) => {
      calls.push(host);
      const [next, ...rest] = answers;
      answers = rest.length ? rest : [next];
      return next;
    };
    const targets = new WebhookTargets({ allowedHosts: undefined, allowHttp: true }, rebinding);
    const url = `http://rebind.example:${port}/hook`;
    expect(await refusal(targets.check(url))).toBeUndefined();
    const outcome = await post(targets.connection(url), { 'content-type': 'application/json' }, '{}', 5000);
    expect(outcome).toEqual({ ok: false, statusCode: null, error: expect.stringContaining('rebind.example resolves to 127.0.0.1, a loopback address: refused') });
    expect(calls).toEqual(['rebind.example', 'rebind.example']);
    expect(connections).toBe(0);
  });

  it('refuses an IPv4-mapped loopback answer, and a loopback literal the allow-list no longer names', async () => {
    const mapped = new WebhookTargets({ allowedHosts: undefined, allowHttp: true }, async () => [v6('::ffff:127.0.0.1')]);
    expect((await post(mapped.connection(`http://mapped.example:${port}/`), {}, '{}', 5000)).error).toContain('a loopback address: refused');
    const literal = new WebhookTargets({ allowedHosts: undefined, allowHttp: true }, async () => []);
    expect(() => literal.connection(`http://127.0.0.1:${port}/`)).toThrow('127.0.0.1 is a loopback address: refused');
    expect(connections).toBe(0);
  });

  it('connects to an allow-listed loopback host, with the signature over the timestamp and the body', async () => {
    const targets = new WebhookTargets({ allowedHosts: ['127.0.0.1'], allowHttp: true });
    const body = JSON.stringify({ hello: 'world' });
    const outcome = await post(targets.connection(`http://127.0.0.1:${port}/hook`), { 'x-signature-256': signature('secret-0123456789', 1_800_000_000, body) }, body, 5000);
    expect(outcome).toEqual({ ok: true, statusCode: 204, error: null });
    expect(received).toHaveLength(1);
    expect(received[0].body).toBe(body);
    expect(received[0].headers['x-signature-256']).toBe(`sha256=${createHmac('sha256', 'secret-0123456789').update(`1800000000.${body}`).digest('hex')}`);
  });

  it('reads no more than the first chunk past 4 KiB of an endless answer, and takes its status', async () => {
    let written = 0;
    let closed: () => void;
    const receiverDone = new Promise<void>((resolve) => (closed = resolve));
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && written < 200 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => closed());
      pump();
    };
    const targets = new WebhookTargets({ allowedHosts: ['127.0.0.1'], allowHttp: true });
    expect(await post(targets.connection(`http://127.0.0.1:${port}/`), {}, '{}', 10_000)).toEqual({ ok: true, statusCode: 200, error: null });
    await receiverDone;
    // The receiver stops when the connection closes: what it wrote is what the socket buffers took.
    expect(written).toBeGreaterThan(RESPONSE_BYTES_READ);
    expect(written).toBeLessThan(32 * 1024 * 1024);
  });

  it('a receiver that never answers costs the attempt timeout', async () => {
    answer = () => undefined;
    const targets = new WebhookTargets({ allowedHosts: ['127.0.0.1'], allowHttp: true });
    expect(await post(targets.connection(`http://127.0.0.1:${port}/`), {}, '{}', 300)).toEqual({ ok: false, statusCode: null, error: 'no answer within 300 ms' });
  });
});
