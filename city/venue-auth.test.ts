import { generateKeyPairSync } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { venueRequestHeaders } from '../edge/sync/wire.ts';
import { CityHub } from './hub.ts';
import { verifyVenueRequest } from './venue-auth.ts';

const NOW = 1_780_000_000_000;
const venueKey = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519');

let hub: CityHub;
let app: FastifyInstance;
beforeAll(async () => {
  hub = await CityHub.open({ store: { sqlite: ':memory:' } });
  await hub.registerVenue('gaoping', venueKey.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // A venue-only route as a feature plugin would write it, answering with the check's verdict.
  app = Fastify();
  const verdict = async (req: Parameters<typeof verifyVenueRequest>[2]) => ({
    refused: await verifyVenueRequest(hub, (req.params as { venue: string }).venue, req, NOW),
  });
  app.get('/v1/venues/:venue/probe', verdict);
  app.post('/v1/venues/:venue/probe', verdict);
});
afterAll(async () => {
  await app.close();
  await hub.close();
});

type Request = { method: 'GET' | 'POST'; url: string; body?: unknown };
const signed = (r: Request, options: { key?: typeof venueKey; at?: number; venue?: string } = {}) =>
  venueRequestHeaders(
    (options.key ?? venueKey).privateKey,
    options.venue ?? 'gaoping',
    r.method,
    r.url,
    r.body ?? null,
    options.at ?? NOW,
  );

const pull: Request = { method: 'GET', url: '/v1/venues/gaoping/probe?after=3' };
const call: Request = { method: 'POST', url: '/v1/venues/gaoping/probe', body: { room: 'room-2', camera: 'cam-1' } };

describe('verifyVenueRequest', () => {
  it.each<[string, Request, Record<string, string>, string | null]>([
    ['a signed pull', pull, signed(pull), null],
    ['a signed call with a body', call, signed(call), null],
    [
      'the same body with its keys in another order',
      { ...call, body: { camera: 'cam-1', room: 'room-2' } },
      signed(call),
      null,
    ],
    [
      'another query than signed',
      { ...pull, url: '/v1/venues/gaoping/probe?after=0' },
      signed(pull),
      'x-halledge-signature: not valid',
    ],
    [
      'another body than signed',
      { ...call, body: { room: 'room-9', camera: 'cam-1' } },
      signed(call),
      'x-halledge-signature: not valid',
    ],
    [
      'another method than signed',
      { ...pull, method: 'POST', body: null },
      signed(pull),
      'x-halledge-signature: not valid',
    ],
    ['signed by another key', pull, signed(pull, { key: otherKey }), 'x-halledge-signature: not valid'],
    ["signed as another venue's request", pull, signed(pull, { venue: 'qinshui' }), 'x-halledge-signature: not valid'],
    ['signed six minutes ago', pull, signed(pull, { at: NOW - 6 * 60_000 }), 'x-halledge-at: missing or not recent'],
    ['without headers', pull, {}, 'x-halledge-at: missing or not recent'],
    ['without a signature', pull, { 'x-halledge-at': String(NOW) }, 'x-halledge-signature: missing'],
    [
      'for a venue that is not registered',
      { method: 'GET', url: '/v1/venues/lingchuan/probe' },
      signed({ method: 'GET', url: '/v1/venues/lingchuan/probe' }, { venue: 'lingchuan' }),
      'venue lingchuan is not registered',
    ],
  ])('%s', async (_case, request, headers, refused) => {
    const res = await app.inject({
      method: request.method,
      url: request.url,
      headers,
      ...(request.body ? { payload: request.body as object } : {}),
    });
    expect(res.json()).toEqual({ refused });
  });
});
