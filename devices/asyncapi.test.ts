import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASYNCAPI_FILE, buildAsyncApi, renderAsyncApi } from './asyncapi.ts';
import { validatePayload } from './payload-validator.ts';

describe('AsyncAPI device contract', () => {
  it('is up to date with the schemas (run `npm run asyncapi` after changing a contract)', () => {
    expect(readFileSync(ASYNCAPI_FILE, 'utf8')).toBe(renderAsyncApi());
  });

  it('documents every channel the gateway validates, with the same schema', () => {
    const doc = buildAsyncApi() as {
      channels: Record<string, { address: string; messages: Record<string, { payload: unknown }> }>;
    };
    const pass = doc.channels['gate.event.pass-request']!;
    expect(pass.address).toBe('hall/{venue}/gate/{deviceId}/event/pass-request');
    const topic = { venue: 'v', kind: 'gate', deviceId: 'g', channel: 'event' as const, name: 'pass-request' };
    expect(
      validatePayload(
        topic,
        JSON.stringify({ at: 1, requestId: 'r', credential: { type: 'face', value: 'E1' }, direction: 'in' }),
      ).ok,
    ).toBe(true);
    expect(JSON.stringify(Object.values(pass.messages)[0]!.payload)).toContain('"requestId"');
  });
});
