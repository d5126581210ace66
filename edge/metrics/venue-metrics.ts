import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { VenueContext, VenueServices } from '../context.ts';

/**
 * The venue's Prometheus metrics (docs/operations.md lists them). One registry per venue, not prom-client's
 * global one, so several venues in one process (tests, a county hub) never mix their figures. Most values are read
 * from the modules' own state when Prometheus scrapes; only counts that state does not keep are counted here.
 * No metric carries a person, a name or a session: labels are kinds, states and levels only.
 */
export class VenueMetrics {
  readonly registry = new Registry();
  private readonly handlerSeconds: Histogram<'kind' | 'message'>;
  private readonly stopListening: () => void;

  constructor(ctx: VenueContext, services: VenueServices) {
    const registry = this.registry;
    registry.setDefaultLabels({ venue: ctx.venue.id });
    // Process memory, CPU, event-loop delay (nodejs_eventloop_lag_*), GC and handles, as every Node exporter has.
    collectDefaultMetrics({ register: registry, prefix: 'halledge_' });

    const gateway = ctx.gateway;
    new Counter({
      name: 'halledge_mqtt_messages_total',
      help: 'Device messages the edge received, by outcome (accepted, malformed, unknown device, denied, handler error)',
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        const s = gateway.stats;
        this.reset();
        this.inc({ outcome: 'accepted' }, s.accepted);
        this.inc({ outcome: 'malformed' }, s.malformed);
        this.inc({ outcome: 'unknown_device' }, s.unknownDevice);
        this.inc({ outcome: 'denied' }, s.denied);
        this.inc({ outcome: 'handler_error' }, s.handlerErrors);
      },
    });
    // Gate and door decisions are the pass-request handlers (kind gate/door): their p99 is the ≤ 20 ms target.
    this.handlerSeconds = new Histogram({
      name: 'halledge_device_handler_seconds',
      help: 'Time the edge took to handle a device event or state message, decision and commit included',
      labelNames: ['kind', 'message'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });

    const events = new Counter({
      name: 'halledge_events_total',
      help: 'Events appended to the record, by type',
      labelNames: ['type'],
      registers: [registry],
    });
    const onAppended = (e: { type: string }) => events.inc({ type: e.type });
    ctx.log.on('appended', onAppended);
    this.stopListening = () => ctx.log.off('appended', onAppended);
    new Gauge({
      name: 'halledge_event_log_head_sequence',
      help: 'Sequence number of the newest event in the record',
      registers: [registry],
      collect() {
        this.set(ctx.log.head.seq);
      },
    });

    new Gauge({
      name: 'halledge_devices',
      help: 'Devices in the venue file, by online state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const devices = ctx.registry.list();
        const online = devices.filter((d) => d.online).length;
        this.set({ state: 'online' }, online);
        this.set({ state: 'offline' }, devices.length - online);
      },
    });
    new Gauge({
      name: 'halledge_alarms_open',
      help: 'Alarms raised or acknowledged and not yet resolved, by level (1 一般, 2 较重, 3 严重)',
      labelNames: ['level'],
      registers: [registry],
      collect() {
        const open = ctx.alarms.list({ state: 'open', limit: 100_000 });
        this.reset();
        for (const level of [1, 2, 3]) this.set({ level: String(level) }, open.filter((a) => a.level === level).length);
      },
    });

    new Gauge({
      name: 'halledge_recorders',
      help: 'Cameras with a stream, by recorder state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const c of services.video.cameras()) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });

    new Gauge({
      name: 'halledge_clock_suspect',
      help: '1 while the host clock is off or unsynchronised (clock-drift alarm), else 0',
      registers: [registry],
      collect() {
        this.set(ctx.clock.suspect ? 1 : 0);
      },
    });
    new Gauge({
      name: 'halledge_clock_offset_seconds',
      help: 'Host clock offset from the time daemon’s reference (chrony only; positive: fast)',
      registers: [registry],
      collect() {
        this.reset();
        const offsetMs = ctx.clock.reading?.offsetMs;
        if (offsetMs != null) this.set(offsetMs / 1000);
      },
    });

    const sync = services.sync;
    new Gauge({
      name: 'halledge_sync_lag_events',
      help: 'Events recorded but not yet acknowledged by the city platform (absent when sync is not configured)',
      registers: [registry],
      collect() {
        this.reset();
        const outbox = sync.status().outbox;
        if (outbox) this.set(outbox.lag.events);
      },
    });
    new Gauge({
      name: 'halledge_sync_lag_seconds',
      help: 'Age of the oldest event the city platform has not acknowledged',
      registers: [registry],
      collect() {
        this.reset();
        const outbox = sync.status().outbox;
        if (outbox) this.set(outbox.lag.seconds);
      },
    });
  }

  /** Called by the device gateway after each handled device message. */
  observeHandler(kind: string, message: string, seconds: number): void {
    this.handlerSeconds.observe({ kind, message }, seconds);
  }

  stop(): void {
    this.stopListening();
    this.registry.clear();
  }
}
