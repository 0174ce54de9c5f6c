// A real HTTP server on 127.0.0.1 standing in for the gateway: each test scripts its answers and
// reads the requests it received.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Answer {
  status: number;
  body?: unknown;
  /** Raw text instead of JSON. */
  text?: string;
  delayMs?: number;
}

export type Route = (request: Received) => Answer | Promise<Answer>;

export interface TestGateway {
  url: string;
  received: Received[];
  route: Route;
  close(): Promise<void>;
}

export async function startTestGateway(route: Route = () => ({ status: 404 })): Promise<TestGateway> {
  const received: Received[] = [];
  const gateway: TestGateway = { url: '', received, route, close: async () => {} };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const request: Received = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: raw ? JSON.parse(raw) : undefined,
    };
    received.push(request);
    const answer = await gateway.route(request);
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (res.destroyed) return;
    if (answer.text !== undefined) {
      res.writeHead(answer.status, { 'content-type': 'text/html' }).end(answer.text);
    } else if (answer.body === undefined) {
      res.writeHead(answer.status).end();
    } else {
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    }
  };
  // A route that throws (or a body that is not JSON) answers 500, as a broken gateway would.
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gateway.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gateway.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return gateway;
}

/** A JWT-shaped token (unsigned; only its `exp` matters to the web app). */
export function accessToken(sub: string, expiresInSeconds: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub, exp: Math.floor(Date.now() / 1000) + expiresInSeconds })}.signature`;
}
