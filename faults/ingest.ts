// kill -9 of a real edge during QoS 1 device traffic (at a random moment, and on a WAL checkpoint), and an external
// broker restarted with traffic in flight: every message a device holds a PUBACK for must be in the record.
import { mkdtempSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Venue } from '../config/schema.ts';
import { loadVenue, venueFile } from '../config/venue-loader.ts';
import { loadOrCreateSecret } from '../devices/provisioning.ts';
import { writeMosquittoConfig } from '../edge/bus/mosquitto-config.ts';
import { verifyChain } from '../edge/store/verify.ts';
import { devicePassword, deviceSecretFile, readRecord, startEdgeProcess } from '../test/edge-process.ts';
import { freePort, startMosquitto, stopMosquitto } from '../test/mosquitto.ts';
import { testVenue } from '../test/venue-harness.ts';
import { DepositTraffic } from './deposit-traffic.ts';
import type { FaultRow } from './types.ts';

const VENUE = 'qinshui';
/**
 * Qinshui with its locker bank allowed thousands of messages a second: the runs push one device far past a real
 * locker's rate, and the broker's per-device limit (edge/bus/device-limits.ts) would refuse them.
 */
const FAST_LOCKERS: Venue = {
  ...loadVenue(venueFile(VENUE)),
  bus: { deviceLimits: { locker: { messagesPerSecond: 1_000_000, burst: 1_000_000 } } },
};

export interface KillRun {
  acked: number;
  recorded: number;
  lost: number;
  /** PUBACKs per second over the last second before the kill. */
  ackedPerSecond: number;
  chainIntact: boolean;
  /** For the checkpoint trigger: whether the kill came on a write to the database file (only checkpoints write it). */
  onCheckpoint?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves on the first write to the database file: in WAL mode only a checkpoint writes it. */
function firstCheckpointWrite(dataDir: string, timeoutMs: number): { written: Promise<boolean>; close(): void } {
  const watcher = watch(join(dataDir, 'halledge.db'));
  let timer: NodeJS.Timeout | undefined;
  const written = new Promise<boolean>((resolve) => {
    watcher.once('change', () => resolve(true));
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  return {
    written,
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

/**
 * One run: a real edge process, a locker publishing deposits, `kill -9` after `afterMs` (or on the first checkpoint
 * write), a restart on the same data directory, then every acknowledged deposit looked up in the record.
 */
export async function killDuringIngest(run: string, trigger: { afterMs: number } | 'checkpoint'): Promise<KillRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'halledge-fault-ingest-'));
  const edge = await startEdgeProcess(FAST_LOCKERS, dataDir);
  const traffic = await DepositTraffic.start({
    url: edge.mqttUrl,
    venue: VENUE,
    password: devicePassword(dataDir, VENUE, 'locker-bank-1'),
    prefix: run,
  });
  let onCheckpoint: boolean | undefined;
  if (trigger === 'checkpoint') {
    const checkpoint = firstCheckpointWrite(dataDir, 30_000);
    onCheckpoint = await checkpoint.written;
    checkpoint.close();
  } else await sleep(trigger.afterMs);
  const killedAt = performance.now();
  await edge.kill9();
  await traffic.stop();
  const ackedPerSecond = traffic.ackRate(killedAt);

  // The record after a restart (the restart also proves the lock of the killed edge is gone).
  const restarted = await startEdgeProcess(FAST_LOCKERS, dataDir);
  const [holders, verdict] = readRecord(dataDir, (db) => [
    new Set(
      db
        .prepare("SELECT json_extract(data, '$.holder') FROM events WHERE type = 'locker.deposit'")
        .pluck()
        .all() as string[],
    ),
    verifyChain(db),
  ]);
  await restarted.stop();
  const lost = [...traffic.acked].filter((h) => !holders.has(h)).length;
  return {
    acked: traffic.acked.size,
    recorded: holders.size,
    lost,
    ackedPerSecond,
    chainIntact: verdict.ok,
    onCheckpoint,
  };
}

const n = (v: number) => Math.round(v).toLocaleString('en-US');

function killRow(scenario: string, runs: KillRun[], minRate: number): FaultRow {
  const sum = (f: (r: KillRun) => number) => runs.reduce((a, r) => a + f(r), 0);
  const lost = sum((r) => r.lost);
  const slowest = Math.min(...runs.map((r) => r.ackedPerSecond));
  const checkpoints = runs.filter((r) => r.onCheckpoint).length;
  const held = lost === 0 && runs.every((r) => r.chainIntact) && slowest >= minRate;
  return {
    scenario,
    runs: runs.length,
    held,
    detail:
      `${n(sum((r) => r.acked))} acknowledged, ${n(sum((r) => r.recorded))} recorded, ${lost} lost; ` +
      `${n(slowest)}–${n(Math.max(...runs.map((r) => r.ackedPerSecond)))} acked msg/s in the second before the kill` +
      (minRate > 0 ? ` (≥ ${n(minRate)} asked: ${runs.filter((r) => r.ackedPerSecond >= minRate).length} runs)` : '') +
      (runs.some((r) => r.onCheckpoint !== undefined) ? `; killed on a checkpoint write in ${checkpoints}` : '') +
      (runs.every((r) => r.chainIntact) ? '; chain intact' : '; CHAIN BROKEN'),
  };
}

/**
 * mosquitto stopped and started again while the locker publishes to it and a real edge process consumes from it:
 * at the stop, deposits the broker had acknowledged were not yet in the record (asserted: traffic really in
 * flight); after the restart, all of them are.
 */
export async function brokerRestart(): Promise<FaultRow> {
  const dataDir = mkdtempSync(join(tmpdir(), 'halledge-fault-broker-'));
  const port = freePort();
  const secret = loadOrCreateSecret(deviceSecretFile(dataDir));
  const conf = writeMosquittoConfig(testVenue(VENUE), secret, join(dataDir, 'mq'), {
    port,
    user: process.getuid?.() === 0 ? 'root' : undefined,
  });
  const url = `mqtt://127.0.0.1:${port}`;
  let mosquitto = await startMosquitto(conf, port);
  const edge = await startEdgeProcess(FAST_LOCKERS, dataDir, { HALLEDGE_MQTT_URL: url });
  const recorded = () =>
    readRecord(
      dataDir,
      (db) =>
        new Set(
          db
            .prepare("SELECT json_extract(data, '$.holder') FROM events WHERE type = 'locker.deposit'")
            .pluck()
            .all() as string[],
        ),
    );
  const traffic = await DepositTraffic.start({
    url,
    venue: VENUE,
    password: devicePassword(dataDir, VENUE, 'locker-bank-1'),
    prefix: 'broker-restart',
  });
  await sleep(1500);
  const ackedAtStop = [...traffic.acked];
  const recordedAtStop = recorded();
  const inFlight = ackedAtStop.filter((h) => !recordedAtStop.has(h)).length;
  await stopMosquitto(mosquitto);
  await traffic.stop();
  mosquitto = await startMosquitto(conf, port);
  // The edge reconnects and the broker delivers what it queued: wait until the record stops growing.
  let count = -1;
  for (let stable = 0; stable < 4; ) {
    await sleep(500);
    const now = recorded().size;
    stable = now === count ? stable + 1 : 0;
    count = now;
  }
  const holders = recorded();
  const lost = [...traffic.acked].filter((h) => !holders.has(h)).length;
  const chainIntact = readRecord(dataDir, (db) => verifyChain(db).ok);
  await edge.stop();
  await stopMosquitto(mosquitto);
  return {
    scenario: 'external mosquitto restarted, traffic in flight',
    runs: 1,
    held: lost === 0 && inFlight > 0 && chainIntact,
    detail:
      `at the stop ${n(inFlight)} deposits acknowledged by the broker were not yet recorded; ` +
      `after: ${n(traffic.acked.size)} acknowledged, ${n(holders.size)} recorded, ${lost} lost` +
      (inFlight > 0 ? '' : ' (NOTHING WAS IN FLIGHT: the run proves nothing)') +
      (chainIntact ? '; chain intact' : '; CHAIN BROKEN'),
  };
}

export async function run(): Promise<FaultRow[]> {
  const timed: KillRun[] = [];
  for (let i = 0; i < 10; i++) timed.push(await killDuringIngest(`kill-${i}`, { afterMs: 2000 + ((i * 397) % 2000) }));
  const checkpointed: KillRun[] = [];
  for (let i = 0; i < 3; i++) checkpointed.push(await killDuringIngest(`checkpoint-${i}`, 'checkpoint'));
  return [
    killRow('kill -9 of the edge during QoS 1 ingest', timed, 5000),
    killRow('kill -9 of the edge on a WAL checkpoint', checkpointed, 0),
    await brokerRestart(),
  ];
}
