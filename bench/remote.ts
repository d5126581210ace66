// Remote sessions (远程异地评标): how long a guest room's alarm takes to reach the host's console, from the
// recorded times — the guest event's `at`, the hub storing it (its upload, with the outbox's 200 ms linger), the
// host edge receiving it from the hub (the relay over the link). A hub, jincheng as host and gaoping as guest,
// all on this machine; 200 guest alarms at 20 per second.
import type { VenueRuntime } from '../app/start-venue.ts';
import { remoteSessionInput, remoteVenue, scheduleRemote } from '../test/remote-fixture.ts';
import { startTestHub, type TestHub } from '../test/sync-fixture.ts';
import { eventually } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

const SESSION = 'BENCH-REMOTE-1';
const ALARMS = 200;
const EVERY_MS = 50;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

export async function run(): Promise<BenchRow[]> {
  let city: TestHub | null = null;
  const edges: VenueRuntime[] = [];
  try {
    city = await startTestHub({ operatorToken: 'bench-operator-token' });
    const hub = city;
    const host = await remoteVenue('jincheng', hub);
    edges.push(host);
    const guest = await remoteVenue('gaoping', hub);
    edges.push(guest);
    const scheduled = await scheduleRemote(hub.url, remoteSessionInput(SESSION), 'bench-operator-token');
    if (!scheduled.ok) throw new Error(`scheduling failed: HTTP ${scheduled.status} ${await scheduled.text()}`);
    for (const edge of [host, guest])
      await eventually(
        () => edge.services.sessions.get(SESSION)?.state,
        (s) => s === 'checkin-open',
        60_000,
      );

    // When the hub stored each guest event (its `accepted` notice, after the commit).
    const storedAt = new Map<number, number>();
    hub.hub.on('accepted', (venue, events, receivedAt) => {
      if (venue === 'gaoping') for (const e of events) storedAt.set(e.seq, receivedAt);
    });
    for (let i = 0; i < ALARMS; i++) {
      guest.alarms.raise({ kind: 'left-zone', level: 2, subject: `EX-B-${i}`, session: SESSION, details: {} });
      await new Promise((r) => setTimeout(r, EVERY_MS));
    }
    const received = () =>
      host.db
        .prepare(
          "SELECT seq, at, received_at AS receivedAt FROM remote_guest_events WHERE session = ? AND type = 'alarm.raised'",
        )
        .all(SESSION) as { seq: number; at: number; receivedAt: number }[];
    const rows = await eventually(received, (r) => r.length === ALARMS, 60_000, 'every guest alarm at the host');
    const total = rows.map((r) => r.receivedAt - r.at).sort((a, b) => a - b);
    const upload = rows.map((r) => storedAt.get(r.seq)! - r.at).sort((a, b) => a - b);
    const relay = rows.map((r) => r.receivedAt - storedAt.get(r.seq)!).sort((a, b) => a - b);
    const area = 'remote';
    return [
      { area, metric: 'guest alarm → host console, p50', value: percentile(total, 0.5), unit: 'ms' },
      { area, metric: 'guest alarm → host console, p99', value: percentile(total, 0.99), unit: 'ms', target: '≤ 2000' },
      { area, metric: 'guest alarm → host console, max', value: total.at(-1)!, unit: 'ms' },
      { area, metric: 'of which upload to the hub (200 ms linger), p50', value: percentile(upload, 0.5), unit: 'ms' },
      { area, metric: 'of which hub → host relay, p50', value: percentile(relay, 0.5), unit: 'ms' },
      { area, metric: 'of which hub → host relay, p99', value: percentile(relay, 0.99), unit: 'ms' },
    ];
  } finally {
    for (const edge of edges.reverse()) await edge.stop();
    await city?.stop();
  }
}
