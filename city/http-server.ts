import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CityPlatform, Reception } from './platform.ts';

export interface PlatformHttpServer {
  url: string;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The platform's HTTP face (loopback only):
 *   POST /v1/venues/{venue}/batches      a SignedBatch → BatchAnswer (faults applied here)
 *   POST /v1/venues/{venue}/checkpoints  a CheckpointSubmission → CheckpointAnswer (200 receipt, 409 refused)
 *   GET  /v1/venues/{venue}/downlink?after=N   signed by the venue (x-halledge-at, x-halledge-signature)
 *   POST /v1/enrol                       {venue, publicKey, token}
 *   GET  /v1/venues/{venue}/head         what the platform holds
 *   GET  /v1/platform-key                the platform's public key (PEM)
 */
export async function startPlatformHttp(platform: CityPlatform, port = 0): Promise<PlatformHttpServer> {
  const server = createServer((req, res) => {
    handle(platform, req, res).catch((err) => {
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(platform: CityPlatform, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://platform');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (req.method === 'POST' && parts[0] === 'v1' && parts[1] === 'venues' && parts[3] === 'batches') {
    return batch(platform, parts[2]!, req, res);
  }
  if (req.method === 'POST' && parts[0] === 'v1' && parts[1] === 'venues' && parts[3] === 'checkpoints') {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return json(res, 400, { status: 'refused', error: 'body is not JSON' });
    }
    const venue = (body as { checkpoint?: { venue?: unknown } } | null)?.checkpoint?.venue;
    if (venue !== parts[2]) return json(res, 400, { status: 'refused', error: `checkpoint.venue: not ${parts[2]}` });
    const answer = await platform.notary.receive(body);
    return json(res, answer.status === 'receipt' ? 200 : 409, answer);
  }
  if (req.method === 'GET' && parts[0] === 'v1' && parts[1] === 'venues' && parts[3] === 'downlink') {
    const venue = parts[2]!;
    const after = Number(url.searchParams.get('after') ?? '0');
    const denied = platform.authorisePull(
      venue,
      after,
      Number(req.headers['x-halledge-at']),
      String(req.headers['x-halledge-signature'] ?? ''),
    );
    if (denied) return json(res, 401, { error: denied });
    return json(res, 200, { messages: platform.downlinkAfter(venue, after) });
  }
  if (req.method === 'GET' && parts[0] === 'v1' && parts[1] === 'venues' && parts[3] === 'head') {
    return json(res, 200, platform.head(parts[2]!));
  }
  if (req.method === 'POST' && url.pathname === '/v1/enrol') {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return json(res, 400, { error: 'body is not JSON' });
    }
    const result = platform.enrol(body);
    return json(res, result.http, result.error ? { error: result.error } : { enrolled: true });
  }
  if (req.method === 'GET' && url.pathname === '/v1/platform-key') {
    res.writeHead(200, { 'content-type': 'application/x-pem-file' });
    return void res.end(platform.publicKeyPem);
  }
  json(res, 404, { error: `no route ${req.method} ${url.pathname}` });
}

async function batch(platform: CityPlatform, venue: string, req: IncomingMessage, res: ServerResponse) {
  const fault = platform.faults.next(venue);
  if (fault?.kind === 'drop' && !fault.afterStore) {
    // The connection breaks while the batch is still arriving: nothing is stored.
    req.once('data', () => req.socket.destroy());
    return;
  }
  const text = await readBody(req);
  if (fault?.kind === 'refuse') {
    return json(res, fault.status, { error: 'platform busy' }, { 'retry-after': String(fault.retryAfterS) });
  }
  if (fault?.kind === 'timeout' && !fault.afterStore) return; // hold the request; the venue gives up
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return json(res, 400, { status: 'rejected', error: 'body is not JSON' });
  }
  if (typeof body === 'object' && body && (body as { venue?: unknown }).venue !== venue) {
    return json(res, 400, { status: 'rejected', error: `venue: batch is for another venue than ${venue}` });
  }
  const stale = platform.previousAnswer(venue);
  const reception: Reception = platform.receive(body);
  if (fault?.kind === 'timeout') return; // stored, but the answer never comes
  if (fault?.kind === 'drop') return void req.socket.destroy(); // stored, then the connection breaks
  if (fault?.kind === 'slow') await sleep(fault.ms);
  if (fault?.kind === 'duplicate-ack' && stale) return json(res, 200, stale);
  json(res, reception.http, reception.answer);
}
