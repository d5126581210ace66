import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startVenue, type VenueRuntime } from '../../app/start-venue.ts';
import { GateSimulator } from '../../simulators/gate/gate-simulator.ts';
import { eventually, tempDir, testVenue } from '../../test/venue-harness.ts';

let edge: VenueRuntime | undefined;
let gate: GateSimulator | undefined;
afterEach(async () => {
  await gate?.stop();
  await edge?.stop();
});

/** One sample's value from Prometheus' text format, matched by name and labels in any order (venue="qinshui" added). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries({ ...labels, venue: 'qinshui' }).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => {
    const match = /^([a-z0-9_]+)\{(.*)\} /.exec(l);
    return match?.[1] === name && wanted.every((w) => match[2]!.split(',').includes(w));
  });
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('Prometheus metrics', () => {
  it('counts device messages, times gate decisions and reports devices, alarms and the record, behind the scrape token', async () => {
    edge = await startVenue({
      venue: testVenue('qinshui'),
      dataDir: tempDir(),
      bus: { kind: 'embedded', port: 0, wsPort: 0 },
      http: { port: 0, plain: true },
      metricsToken: 'scrape-secret',
      logger: pino({ level: 'silent' }),
    });
    const id = 'gate-entrance';
    gate = new GateSimulator(
      { venue: edge.venue.id, kind: 'gate', id, password: edge.deviceCredential(id) },
      { brokerUrl: edge.bus.deviceUrl, heartbeatS: 1, responseTimeoutMs: 5000 },
    );
    await gate.connect();
    await eventually(() => edge!.registry.get(id)?.online, Boolean);
    // A stranger's badge: denied, but decided and committed all the same.
    expect(await gate.present({ type: 'badge', value: 'badge-unknown' }, 'in')).toMatchObject({ granted: false });

    const scrape = (authorization?: string) =>
      fetch(`${edge!.httpUrl}/metrics`, { headers: authorization ? { authorization } : {} });
    expect((await scrape()).status).toBe(401);
    expect((await scrape('Bearer wrong-secret')).status).toBe(401);
    const res = await scrape('Bearer scrape-secret');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();

    expect(sample(text, 'halledge_mqtt_messages_total', { outcome: 'accepted' })).toBeGreaterThan(0);
    const decisions = { kind: 'gate', message: 'event/pass-request' };
    expect(sample(text, 'halledge_device_handler_seconds_count', decisions)).toBe(1);
    expect(sample(text, 'halledge_devices', { state: 'online' })).toBeGreaterThanOrEqual(1);
    const open = edge.alarms.list({ state: 'open' });
    for (const level of [1, 2, 3])
      expect(sample(text, 'halledge_alarms_open', { level: String(level) })).toBe(
        open.filter((a) => a.level === level).length,
      );
    expect(sample(text, 'halledge_events_total', { type: 'access.denied' })).toBe(1);
    expect(sample(text, 'halledge_event_log_head_sequence')).toBe(edge.log.head.seq);
    expect(sample(text, 'halledge_nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    // No person or session in any label.
    expect(text).not.toContain('badge-unknown');
  });
});
