import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** A webhook receiver on loopback that records every request it gets while it is up. */
export class WebhookReceiver {
  readonly received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  private server: Server | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The JSON bodies received so far. */
  bodies<T = any>(): T[] {
    return this.received.map((request) => JSON.parse(request.body) as T);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
    this.server?.closeAllConnections();
  }
}
