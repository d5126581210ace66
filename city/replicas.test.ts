// A provincial deployment in small: two hub processes over one PostgreSQL, behind a load balancer, both taking the
// same venue's batches. The venue row lock keeps every (venue, seq) exactly once whichever process a batch reached.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { venueKeyFiles } from '../edge/sync/keys.ts';
import type { SignedBatch } from '../edge/sync/wire.ts';
import { startHubProcess } from '../test/hub-process.ts';
import { postgresDatabases } from '../test/hub-stores.ts';
import { outboxOver } from '../test/sync-fixture.ts';
import { eventually, tempDir } from '../test/venue-harness.ts';
import { verifyStoredChain } from './audit.ts';
import { CityHub } from './hub.ts';

const nextDatabase = postgresDatabases();
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** A round-robin load balancer on loopback: each request goes to the next hub. */
async function roundRobin(targets: string[]) {
  const served = targets.map(() => 0);
  let next = 0;
  const server = createServer((req, res) => {
    const i = next++ % targets.length;
    served[i]!++;
    const upstream = request(new URL(req.url!, targets[i]), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, served };
}

async function post(url: string, batch: SignedBatch) {
  const res = await fetch(`${url}/v1/venues/${batch.venue}/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  });
  return { status: res.status, answer: (await res.json()) as { status: string; ackedSeq?: number } };
}

describe('two hub processes over one PostgreSQL', () => {
  it('take the same venue batches at once, and through a load balancer, with nothing lost or stored twice', {
    timeout: 120_000,
  }, async () => {
    const url = await nextDatabase();
    const dir = tempDir('halledge-replicas-');
    // The venue first (its key file), so that both hubs start with it registered, as a fleet shares one key.
    const venue = await outboxOver('gaoping', 'http://127.0.0.1:1', { dataDir: dir, config: { batchSize: 25 } });
    cleanup.push(() => venue.close());
    const args = [
      '--postgres',
      url,
      '--key',
      `${dir}/hub.key`,
      '--register',
      `gaoping=${venueKeyFiles(dir).publicKey}`,
    ];
    // Started together: the migration runs once under the migrator's lock.
    const hubs = await Promise.all([startHubProcess(args), startHubProcess(args)]);
    cleanup.push(() => Promise.all(hubs.map((h) => h.stop())));
    expect(hubs[0]!.publicKey).toBe(hubs[1]!.publicKey);

    // Every batch to both processes at the same moment, each overlapping the previous one by 20 events.
    venue.log.appendMany(Array.from({ length: 600 }, (_, i) => ({ type: 'clock.jumped' as const, data: { byMs: i } })));
    let sent = 0;
    let posts = 0;
    for (let after = 0; after < 600; after += 40) {
      const batch = venue.outbox.buildBatch(after, 60)!;
      const answers = await Promise.all(hubs.map((h) => post(h.url, batch)));
      sent += 2 * batch.events.length;
      posts += 2;
      for (const a of answers)
        expect(a).toMatchObject({ status: 200, answer: { status: 'ack', ackedSeq: batch.lastSeq } });
      // One of the two stored the new part; the other found it held.
      expect(answers.filter((a) => (a.answer as { duplicate?: boolean }).duplicate).length).toBeGreaterThanOrEqual(1);
    }

    // Then the venue's own outbox, through a load balancer alternating between the two.
    const balancer = await roundRobin(hubs.map((h) => h.url));
    const live = await outboxOver('gaoping', balancer.url, { dataDir: dir, config: { batchSize: 25, lingerMs: 0 } });
    await venue.close();
    cleanup.pop();
    cleanup.push(() => live.close());
    live.log.appendMany(
      Array.from({ length: 300 }, (_, i) => ({ type: 'clock.jumped' as const, data: { byMs: 1000 + i } })),
    );
    live.outbox.start();
    const acked = await eventually(
      () => live.outbox.ackedSeq,
      (seq) => seq === live.log.head.seq,
      60_000,
    );
    expect(acked).toBe(900);
    expect(balancer.served.every((n) => n > 0)).toBe(true);

    // What the database holds, read by a third hub: the venue's chain, once.
    const reader = await CityHub.open({ store: { postgres: url } });
    cleanup.push(() => reader.close());
    const held = await reader.events('gaoping');
    const local = live.log.query({ limit: 10_000 });
    expect(held.map((e) => e.seq)).toEqual(local.map((e) => e.seq));
    expect(held.map((e) => e.hash)).toEqual(local.map((e) => e.hash));
    expect(await verifyStoredChain(reader, 'gaoping')).toEqual({ ok: true, events: 900 });
    // Counters are kept in the database: both processes' batches, each event accepted once.
    const counters = await reader.countersOf('gaoping');
    expect(counters.accepted).toBe(900);
    expect(counters.rejected + counters.gaps).toBe(0);
    expect(counters.duplicateEvents).toBeGreaterThanOrEqual(sent - 600);
    expect(counters.batches).toBeGreaterThanOrEqual(posts + 300 / 25);
    expect(await Promise.all(hubs.map((h) => h.stop()))).toEqual([0, 0]);
  });
});
