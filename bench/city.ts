// The city hub under 50 busy venues (DESIGN.md: "city hub, 50 venues at busy-venue rates: sustained with lag
// ≤ 5 s"). The hub runs in its own process; the venues — real event logs and real sync outboxes signing real
// batches over HTTP, at the rate derived in bench/city/venue-day.ts — run in four other processes, so the load
// generator does not share the hub's event loop and the hub's CPU and memory are read apart (/proc).
// Per store: 50 venues for CITY_BENCH_SECONDS (ingest, lag from each event's `at` to its commit at the hub, CPU,
// memory, bytes stored per event), then more venues in steps of 50 for CITY_BENCH_STEP_SECONDS each, up to
// CITY_BENCH_MAX_VENUES or the first step that does not keep up: the headroom, and what ran out. Stores:
// CITY_BENCH_STORES (sqlite,postgres). Last, CITY_BENCH_MQTT_SECONDS of the 50 venues syncing over MQTT instead.
import { rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadOrCreateVenueKey } from '../edge/sync/keys.ts';
import { freePort, startMosquitto, stopMosquitto } from '../test/mosquitto.ts';
import { tempDir } from '../test/venue-harness.ts';
import type { Window } from './city/hub.worker.ts';
import { cpuSeconds, forkWorker, rssBytes, type Worker } from './city/processes.ts';
import { POOL_SIZE, postgresStore, type StoreUnderTest, sqliteStore } from './city/stores.ts';
import { BUSY_RATE, EVENTS_PER_VENUE_DAY } from './city/venue-day.ts';
import type { HostReport } from './city/venues.worker.ts';
import type { BenchRow } from './types.ts';

const VENUES = Number(process.env.CITY_BENCH_VENUES ?? 50);
const SECONDS = Number(process.env.CITY_BENCH_SECONDS ?? 25);
const STEP_SECONDS = Number(process.env.CITY_BENCH_STEP_SECONDS ?? 15);
const MAX_VENUES = Number(process.env.CITY_BENCH_MAX_VENUES ?? 200);
const STEP = 50;
const HOSTS = 4;
const STORES = (process.env.CITY_BENCH_STORES ?? 'sqlite,postgres').split(',').filter(Boolean);
const MQTT_SECONDS = Number(process.env.CITY_BENCH_MQTT_SECONDS ?? 15);
/**
 * Venues started together send their first batches at once: the backlog this makes must come down to a second of
 * the venues' events within this time before a window is measured, or the step does not keep up.
 */
const SETTLE_MS = 30_000;
const MIN_SETTLE_MS = 8000;
const LAG_TARGET_MS = 5000;
const MB = 1024 * 1024;
/** Working days with sessions (a storage year). */
const BUSY_DAYS_A_YEAR = 250;

interface Measured {
  venues: number;
  /** Seconds the backlog took to come down after the venues started (null: it did not within SETTLE_MS). */
  settledS: number | null;
  seconds: number;
  hub: Window;
  /** Hub process CPU, % of one core; its peak resident memory. */
  hubCpu: number;
  hubRss: number;
  /** The venue processes' CPU together, % of one core. */
  venuesCpu: number;
  /** The database server's processes' CPU, % of one core (PostgreSQL; null for SQLite, inside the hub). */
  serverCpu: number | null;
  /** PostgreSQL connections running a statement, sampled each second: the most seen, and the mean. */
  busyConnections: { max: number; mean: number } | null;
  /** Events recorded at the venues but not yet acknowledged, at the start and the end of the window. */
  backlog: [number, number];
  tickLateMs: number;
  load: string;
}

/** Keeps up: lag within the target and no backlog building (more than a second of all venues' events). */
const keepsUp = (m: Measured) =>
  m.settledS !== null && m.hub.lag.p99 <= LAG_TARGET_MS && m.backlog[1] - m.backlog[0] < m.venues * BUSY_RATE;

class CityLoad {
  private venues = 0;
  private constructor(
    private readonly dir: string,
    private readonly store: StoreUnderTest,
    readonly hub: Worker,
    private readonly hosts: Worker[],
    /** Where the venues send: the hub over HTTP, or the broker it listens on. */
    private readonly uplink: { url: string; transport: 'http' | 'mqtt' },
  ) {}

  /** The hub, and the venues' processes; over MQTT when a broker is given. */
  static async start(dir: string, store: StoreUnderTest, broker?: string): Promise<CityLoad> {
    const hub = await forkWorker<{ url: string }>('hub.worker.ts', [
      JSON.stringify(store.config),
      ...(broker ? [broker] : []),
    ]);
    const hosts = await Promise.all(Array.from({ length: HOSTS }, () => forkWorker('venues.worker.ts')));
    const uplink = broker
      ? { url: broker, transport: 'mqtt' as const }
      : { url: hub.ready.url, transport: 'http' as const };
    return new CityLoad(dir, store, hub, hosts, uplink);
  }

  /** Starts venues up to `total`: keys made and registered with the hub, then recording and forwarding. */
  async grow(total: number): Promise<void> {
    const added = Array.from({ length: total - this.venues }, (_, i) => {
      const venue = `venue-${String(this.venues + i + 1).padStart(3, '0')}`;
      const dataDir = join(this.dir, venue);
      return { venue, dataDir, publicKeyPem: loadOrCreateVenueKey(dataDir).publicKeyPem };
    });
    await this.hub.ask({ register: added.map(({ venue, publicKeyPem }) => ({ venue, publicKeyPem })) });
    await Promise.all(
      this.hosts.map((host, h) =>
        host.ask({
          ...this.uplink,
          start: added.filter((_, i) => i % HOSTS === h).map(({ venue, dataDir }) => ({ venue, dataDir })),
        }),
      ),
    );
    this.venues = total;
  }

  /** Seconds until the venues' backlog is down to a second of their events; null if not within SETTLE_MS. */
  async settle(): Promise<number | null> {
    const t0 = performance.now();
    // New venues' first batches (connections, warm-up) come after their first seconds of recording.
    await sleep(MIN_SETTLE_MS);
    while ((await this.hostReports()).backlog > this.venues * BUSY_RATE) {
      if (performance.now() - t0 > SETTLE_MS) return null;
      await sleep(1000);
    }
    return (performance.now() - t0) / 1000;
  }

  private async hostReports() {
    const reports = await Promise.all(this.hosts.map((h) => h.ask<HostReport>({ report: true })));
    return {
      backlog: reports.reduce((n, r) => n + r.recorded - r.acknowledged, 0),
      tickLateMs: Math.max(...reports.map((r) => r.tickLateMs)),
    };
  }

  private venuesCpu(): number {
    return this.hosts.reduce((s, h) => s + cpuSeconds(h.child.pid!), 0);
  }

  /** One measured window: the hub's commits and lags, and what each side used meanwhile. */
  async measure(seconds: number, settledS: number | null): Promise<Measured> {
    const hubPid = this.hub.child.pid!;
    await this.hub.ask<Window>({ take: true });
    const before = await this.hostReports();
    const cpu0 = { hub: cpuSeconds(hubPid), venues: this.venuesCpu(), server: this.store.serverCpuSeconds() };
    const t0 = performance.now();
    let hubRss = 0;
    const busy: number[] = [];
    while (performance.now() - t0 < seconds * 1000) {
      hubRss = Math.max(hubRss, rssBytes(hubPid));
      const connections = await this.store.busyConnections();
      if (connections !== null) busy.push(connections);
      await sleep(1000);
    }
    const server = this.store.serverCpuSeconds();
    const hub = await this.hub.ask<Window>({ take: true });
    const wall = (performance.now() - t0) / 1000;
    const after = await this.hostReports();
    return {
      venues: this.venues,
      settledS,
      seconds: wall,
      hub,
      hubCpu: ((cpuSeconds(hubPid) - cpu0.hub) / wall) * 100,
      hubRss,
      venuesCpu: ((this.venuesCpu() - cpu0.venues) / wall) * 100,
      serverCpu: server === null ? null : ((server - cpu0.server!) / wall) * 100,
      busyConnections: busy.length
        ? { max: Math.max(...busy), mean: busy.reduce((a, b) => a + b, 0) / busy.length }
        : null,
      backlog: [before.backlog, after.backlog],
      tickLateMs: after.tickLateMs,
      load: loadavg()
        .map((l) => l.toFixed(1))
        .join(' / '),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.stop()));
    await this.hub.stop();
  }
}

/**
 * What ran out in a step that did not keep up. The event loop's busy share counts wall time in callbacks, time
 * spent waiting for a core included: busy while using little CPU means the hub was starved by the machine.
 */
function exhausted(m: Measured): string {
  if (m.busyConnections && m.busyConnections.mean >= 0.8 * POOL_SIZE)
    return `PostgreSQL connections: the pool's ${POOL_SIZE} busy (mean ${m.busyConnections.mean.toFixed(1)})`;
  if (m.serverCpu !== null && m.serverCpu >= 85) return `PostgreSQL's CPU: ${Math.round(m.serverCpu)} % of a core`;
  if (m.hubCpu >= 85) return `the hub's one JavaScript thread: ${Math.round(m.hubCpu)} % of a core`;
  if (m.hub.loopBusy >= 0.9)
    return `CPU: the hub's thread was busy ${pct(m.hub.loopBusy)} of the time yet ran ${Math.round(m.hubCpu)} % of a core — the shared cores (load ${m.load})`;
  if (m.tickLateMs >= 1000)
    return `the machine's cores (the venues' own recording ran ${Math.round(m.tickLateMs)} ms late)`;
  return `not the hub's CPU (${Math.round(m.hubCpu)} % of a core, loop ${pct(m.hub.loopBusy)} busy): waiting elsewhere`;
}

/** Busy venues one core would carry at a window's CPU cost (hub and PostgreSQL) per committed event (linear). */
const venuesPerCore = (m: Measured) =>
  Math.round((m.hub.events / m.seconds / BUSY_RATE) * (100 / (m.hubCpu + (m.serverCpu ?? 0))));

/** A window's figures; the first row says whether the hub kept up. */
function windowRows(area: string, m: Measured): BenchRow[] {
  const perS = m.hub.events / m.seconds;
  return [
    {
      area,
      metric: `${m.venues} venues × ${BUSY_RATE.toFixed(1)} events/s: ${keepsUp(m) ? 'keeps up' : 'FALLS BEHIND'}; ingest (committed at the hub)`,
      value: Math.round(perS),
      unit: 'events/s',
      target: `≥ ${Math.round(m.venues * BUSY_RATE)}`,
    },
    {
      area,
      metric: `  … start-up backlog down to a second of events after (${MIN_SETTLE_MS / 1000} s at least)`,
      value: m.settledS ?? `not within ${SETTLE_MS / 1000}`,
      unit: 's',
    },
    { area, metric: '  … batches', value: m.hub.batches / m.seconds, unit: 'batches/s' },
    { area, metric: '  … lag, event `at` → hub commit, p50', value: m.hub.lag.p50, unit: 'ms' },
    { area, metric: '  … lag p99', value: m.hub.lag.p99, unit: 'ms', target: `≤ ${LAG_TARGET_MS}` },
    { area, metric: '  … lag max', value: m.hub.lag.max, unit: 'ms' },
    { area, metric: '  … backlog at the venues, start → end', value: m.backlog.join(' → '), unit: 'events' },
    { area, metric: '  … hub process CPU', value: m.hubCpu, unit: '% of a core' },
    ...(m.serverCpu === null
      ? []
      : [{ area, metric: '  … PostgreSQL server processes CPU', value: m.serverCpu, unit: '% of a core' }]),
    {
      area,
      metric: `  … hub${m.serverCpu === null ? '' : ' + PostgreSQL'} CPU per 1,000 events`,
      value: ((m.hubCpu + (m.serverCpu ?? 0)) * 10_000) / perS,
      unit: 'CPU ms',
    },
    ...(m.busyConnections === null
      ? []
      : [
          {
            area,
            metric: `  … PostgreSQL connections running a statement (pool of ${POOL_SIZE}), max / mean`,
            value: `${m.busyConnections.max} / ${m.busyConnections.mean.toFixed(1)}`,
            unit: 'connections',
          },
        ]),
    {
      area,
      metric: "  … hub's event loop busy (wall time in callbacks, waiting for a core included)",
      value: m.hub.loopBusy * 100,
      unit: '%',
    },
    { area, metric: '  … hub process RSS, peak', value: m.hubRss / MB, unit: 'MB' },
    { area, metric: `  … venues (load generator, ${HOSTS} processes) CPU`, value: m.venuesCpu, unit: '% of a core' },
    { area, metric: '  … load average during the window (shared machine)', value: m.load, unit: '1/5/15 min' },
  ];
}

const pct = (share: number) => `${Math.round(share * 100)} %`;

async function runStore(dir: string, store: StoreUnderTest): Promise<BenchRow[]> {
  const load = await CityLoad.start(dir, store);
  const area = `city (${store.name})`;
  try {
    await load.grow(VENUES);
    const settledS = await load.settle();
    const bytes0 = await store.bytes();
    const main = await load.measure(SECONDS, settledS);
    const bytesPerEvent = ((await store.bytes()) - bytes0) / main.hub.events;
    const rows: BenchRow[] = [
      ...windowRows(area, main),
      { area, metric: '  … stored per event (events, batches, indexes)', value: bytesPerEvent, unit: 'bytes' },
      {
        area,
        metric: `  … per venue-day (${EVENTS_PER_VENUE_DAY.toLocaleString('en-US')} events)`,
        value: (bytesPerEvent * EVENTS_PER_VENUE_DAY) / MB,
        unit: 'MB',
      },
      {
        area,
        metric: `  … ${VENUES} venues for a year of ${BUSY_DAYS_A_YEAR} busy days`,
        value: (bytesPerEvent * EVENTS_PER_VENUE_DAY * VENUES * BUSY_DAYS_A_YEAR) / 1024 ** 4,
        unit: 'TB',
      },
    ];
    // The headroom: more venues until a step does not keep up.
    let kept = keepsUp(main) ? main : null;
    let failed: Measured | null = keepsUp(main) ? null : main;
    for (let venues = VENUES + STEP; !failed && venues <= MAX_VENUES; venues += STEP) {
      await load.grow(venues);
      const step = await load.measure(STEP_SECONDS, await load.settle());
      rows.push(...windowRows(area, step));
      if (keepsUp(step)) kept = step;
      else failed = step;
    }
    rows.push({
      area,
      metric: 'headroom: most venues kept at lag p99 ≤ 5 s with no backlog building',
      value: kept?.venues ?? 0,
      unit: 'venues',
      target: '≥ 50',
    });
    const last = failed ?? kept!;
    rows.push({
      area,
      metric: failed
        ? `what ran out first at ${failed.venues} venues`
        : `nothing ran out up to ${MAX_VENUES} venues (hub CPU then ${Math.round(last.hubCpu)} % of a core)`,
      value: failed ? exhausted(failed) : '',
      unit: '',
    });
    const costed = kept ?? main;
    rows.push({
      area,
      metric: `busy venues one whole core would carry (hub${costed.serverCpu === null ? '' : ' + PostgreSQL'} CPU per event as measured with ${costed.venues})`,
      value: venuesPerCore(costed),
      unit: 'venues',
    });
    return rows;
  } finally {
    await load.stop();
  }
}

/** One window of the same venues syncing over MQTT instead: through a mosquitto the hub subscribes to (SQLite). */
async function runMqtt(): Promise<BenchRow[]> {
  const dir = tempDir('halledge-bench-city-mqtt-');
  const port = freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
  const broker = await startMosquitto(conf, port);
  const load = await CityLoad.start(dir, sqliteStore(dir), `mqtt://127.0.0.1:${port}`);
  const area = 'city (SQLite, MQTT)';
  try {
    await load.grow(VENUES);
    const settledS = await load.settle();
    const broker0 = cpuSeconds(broker.pid!);
    const m = await load.measure(MQTT_SECONDS, settledS);
    const brokerCpu = ((cpuSeconds(broker.pid!) - broker0) / m.seconds) * 100;
    return [...windowRows(area, m), { area, metric: '  … mosquitto CPU', value: brokerCpu, unit: '% of a core' }];
  } finally {
    await load.stop();
    await stopMosquitto(broker);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const kind of STORES) {
    const dir = tempDir(`halledge-bench-city-${kind}-`);
    const store = kind === 'postgres' ? await postgresStore() : sqliteStore(dir);
    try {
      rows.push(...(await runStore(dir, store)));
    } finally {
      await store.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (MQTT_SECONDS > 0) rows.push(...(await runMqtt()));
  return rows;
}
