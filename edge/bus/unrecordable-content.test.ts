import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { VenueRuntime } from '../../app/start-venue.ts';
import { deviceTopic } from '../../devices/topics.ts';
import { startTestVenue } from '../../test/venue-harness.ts';
import { verifyChain } from '../store/verify.ts';

let edge: VenueRuntime | null = null;
afterEach(async () => {
  await edge?.stop();
  edge = null;
});

// Valid JSON text that parses to what the record cannot store as hashed: the escape `\ud800` is a lone surrogate.
const cases = [
  {
    kind: 'locker',
    device: 'locker-bank-1',
    event: 'deposit',
    body: '{"at":1,"compartment":2,"holder":"x\\ud800y"}',
    path: '/holder',
  },
  {
    kind: 'locker',
    device: 'locker-bank-1',
    event: 'deposit',
    body: '{"at":1e999,"compartment":2,"holder":"E-1"}',
    path: '/at',
  },
  {
    kind: 'locker',
    device: 'locker-bank-1',
    event: 'deposit',
    body: '{"at":1,"compartment":2,"holder":"E-\\u0007"}',
    path: '/holder',
  },
  // An integer past 2^53: the contract bounds device times (to 2100), so it never reaches a module's append.
  {
    kind: 'locker',
    device: 'locker-bank-1',
    event: 'deposit',
    body: '{"at":1e20,"compartment":2,"holder":"E-2"}',
    path: '/at',
  },
];

describe('device content the record cannot hold', () => {
  it('is refused at the gateway with its field path, recorded as malformed, acknowledged; verify stays clean and still finds a later edit', async () => {
    edge = await startTestVenue();
    // A module that records the device's own time, as access decisions do.
    edge.gateway.onEvent('locker', 'deposit', (_d, p) => {
      if (p.at === 1e20) edge!.log.append({ type: 'clock.jumped', at: p.at, data: { byMs: 0 } });
    });
    const device = await mqtt.connectAsync(edge.bus.deviceUrl, {
      username: 'locker-bank-1',
      password: edge.deviceCredential('locker-bank-1'),
      clientId: 'locker-bank-1',
      reconnectPeriod: 0,
    });
    for (const c of cases) {
      // Acknowledged: a definitive refusal is committed (device.malformed) before the PUBACK.
      await device.publishAsync(deviceTopic(edge.venue.id, c.kind, c.device, 'event', c.event), c.body, { qos: 1 });
      expect(edge.registry.get(c.device)!.lastError ?? '').toContain(`${c.path}: `);
    }
    await device.endAsync();
    // None of them reached the record as a deposit (EventLog.append's own refusal is tested in verify.test.ts).
    expect(edge.log.query({ type: 'locker.deposit' })).toEqual([]);
    expect(edge.log.query({ type: 'clock.jumped' })).toEqual([]);
    const malformed = edge.log.query({ type: 'device.malformed' });
    expect(malformed).toHaveLength(1); // one record a minute per device, the rest counted into the next
    // The contract's pattern refuses it before the record's own content check (canonical.ts) would.
    expect(malformed[0]!.data.error).toMatch(/^\/holder: /);
    expect(edge.gateway.stats.malformed).toBe(cases.length);

    expect(verifyChain(edge.db)).toMatchObject({ ok: true, findings: [] });
    const later = edge.log.append({ type: 'clock.jumped', data: { byMs: 1 } });
    edge.log.append({ type: 'clock.jumped', data: { byMs: 2 } });
    edge.db.exec('DROP TRIGGER events_no_update');
    edge.db.prepare(`UPDATE events SET data = '{"n":9}' WHERE seq = ?`).run(later.seq);
    expect(verifyChain(edge.db).findings.map((f) => [f.kind, f.fromSeq])).toEqual([['modified', later.seq]]);
  });
});
