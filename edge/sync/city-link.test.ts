// The edge's end of the edge↔hub link against a bare WebSocket server: the upgrade is signed by the venue key,
// hub messages reach their handler by kind, unknown kinds are counted and dropped, and a dropped link comes
// back by itself.
import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { eventually } from '../../test/venue-harness.ts';
import { CityLink } from './city-link.ts';
import { venueRequestManifest, verifyBytes } from './wire.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A WebSocket server that accepts an upgrade only when signed by the venue key, and records what it got. */
async function bareHub() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const sockets: WebSocket[] = [];
  const received: unknown[] = [];
  const upgrades: { url: string; signed: boolean }[] = [];
  server.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    const after = Number(url.searchParams.get('after'));
    const at = Number(req.headers['x-halledge-at']);
    const signed =
      after === 7 &&
      verifyBytes(
        publicKey,
        venueRequestManifest('gaoping', 'GET', req.url ?? '', at, null),
        String(req.headers['x-halledge-signature']),
      );
    upgrades.push({ url: url.pathname + url.search, signed });
    if (!signed) return socket.close(4401, 'unsigned');
    sockets.push(socket);
    socket.on('message', (data) => received.push(JSON.parse(data.toString())));
  });
  stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, sockets, received, upgrades };
}

function linkTo(url: string) {
  const link = new CityLink({
    url,
    venue: 'gaoping',
    privateKey,
    downlinkAfter: () => 7,
    recordHead: () => 42,
    retry: { baseMs: 10, maxMs: 50 },
    logger: pino({ level: 'silent' }),
  });
  stops.push(() => link.stop());
  return link;
}

describe('city link (edge side)', () => {
  it('opens a signed link, says hello with its record head, and hands hub messages to their handler by kind', async () => {
    const hub = await bareHub();
    const link = linkTo(hub.url);
    const downlinks: unknown[] = [];
    link.handle('downlink', (msg) => {
      downlinks.push(msg.envelope);
    });
    link.start();
    await eventually(
      () => hub.received.length,
      (n) => n >= 1,
      10_000,
      'hello',
    );
    expect(hub.upgrades[0]).toEqual({ url: '/v1/venues/gaoping/link?after=7', signed: true });
    expect(hub.received[0]).toEqual({ kind: 'hello', protocol: 'halledge-link/1', recordHead: 42 });

    hub.sockets[0]!.send(JSON.stringify({ kind: 'downlink', envelope: { seq: 1 } }));
    hub.sockets[0]!.send(JSON.stringify({ kind: 'stream-supply', camera: 'cam-1' }));
    hub.sockets[0]!.send('not json');
    await eventually(
      () => link.status().unknownKinds,
      (k) => k['stream-supply'] === 1,
      10_000,
      'unknown kind',
    );
    await eventually(
      () => downlinks,
      (d) => d.length === 1,
      10_000,
      'downlink handled',
    );
    expect(downlinks).toEqual([{ seq: 1 }]);
    expect(link.status().state).toBe('up');
    expect(link.send({ kind: 'guest-resume', session: 'S-1', venue: 'jincheng', afterSeq: 3 })).toBe(true);
    await eventually(
      () => hub.received.length,
      (n) => n === 2,
      10_000,
      'resume sent',
    );
  });

  it('comes back by itself after the hub drops it, telling up and down', async () => {
    const hub = await bareHub();
    const link = linkTo(hub.url);
    const seen: string[] = [];
    link.on('up', () => seen.push('up'));
    link.on('down', () => seen.push('down'));
    link.start();
    await eventually(
      () => hub.sockets.length,
      (n) => n === 1,
      10_000,
      'first connection',
    );
    hub.sockets[0]!.terminate();
    await eventually(
      () => hub.sockets.length,
      (n) => n === 2,
      10_000,
      'reconnection',
    );
    await eventually(
      () => seen,
      (s) => s.length === 3,
      10_000,
      'up, down, up',
    );
    expect(seen).toEqual(['up', 'down', 'up']);
    expect(link.status().connects).toBe(2);
    expect(hub.upgrades.every((u) => u.signed)).toBe(true);
    await link.stop();
    expect(link.send({ kind: 'hello', protocol: 'halledge-link/1', recordHead: 1 })).toBe(false);
    expect(link.status().state).toBe('stopped');
  });
});
