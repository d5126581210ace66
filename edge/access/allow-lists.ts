import { createHash } from 'node:crypto';
import type { AllowList, AllowListEntry } from '../../devices/gate/allow-list.ts';
import type { DeviceGateway } from '../bus/device-gateway.ts';
import { LIVE_STATES } from '../sessions/model.ts';
import type { SessionService } from '../sessions/session-service.ts';
import type { EventLog } from '../store/event-log.ts';
import type { AccessMode, AccessStore } from './access-store.ts';
import type { AccessRules, Credential, KnownFacts, Person } from './rules.ts';
import type { AccessTopology, Direction } from './topology.ts';

const DIRECTIONS: Direction[] = ['in', 'out'];
const LIST_TTL_MS = 12 * 3600_000;

/**
 * Keeps every gate and door controller holding the list of who may pass while the edge is unreachable.
 * The list is what the rules would grant right now, per person and direction; a new version is recorded and
 * pushed (retained) whenever it changes, and re-sent to a device whose state reports an older version.
 */
export class AllowLists {
  private readonly current = new Map<string, { version: number; hash: string; list: AllowList }>();
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly log: EventLog,
    private readonly store: AccessStore,
    private readonly gateway: DeviceGateway,
    private readonly topology: AccessTopology,
    private readonly sessions: SessionService,
    private readonly rules: AccessRules,
    private readonly onError: (err: unknown) => void,
    /** A device never heard from gets its first list when it comes online, not before. */
    private readonly isOnline: (deviceId: string) => boolean,
  ) {
    const rows = this.store
      .sql(
        `SELECT device, version, hash, expires_at, entries FROM access_allow_lists a
         WHERE version = (SELECT max(version) FROM access_allow_lists b WHERE b.device = a.device)`,
      )
      .all() as { device: string; version: number; hash: string; expires_at: number; entries: string }[];
    for (const r of rows) {
      const saved = JSON.parse(r.entries) as Pick<AllowList, 'entries' | 'freeDirections'>;
      this.current.set(r.device, {
        version: r.version,
        hash: r.hash,
        list: { version: r.version, expiresAt: r.expires_at, ...saved },
      });
    }
  }

  /** Who holds a credential at the edge: checked-in experts and today's staff, with all their credentials. */
  private people(at: number): { known: KnownFacts; credentials: Credential[] }[] {
    const out: { person: Person; credentials: Credential[] }[] = [];
    const experts = new Set<string>();
    const staffIds = new Set<string>(this.store.roster().map((r) => r.person));
    for (const session of this.sessions.today(at)) {
      for (const s of session.staff) staffIds.add(s.id);
      if (!LIVE_STATES.includes(session.state)) continue;
      for (const c of session.checkins) {
        // The earliest live session of the day is the one the rules resolve an expert to.
        if (experts.has(c.pseudonym)) continue;
        experts.add(c.pseudonym);
        const seat = session.experts.find((e) => e.pseudonym === c.pseudonym)?.seat ?? null;
        const credentials: Credential[] = [
          { type: 'face', value: c.pseudonym },
          { type: 'id-card', value: c.pseudonym },
        ];
        if (c.badge) credentials.push({ type: 'badge', value: c.badge });
        out.push({ person: { kind: 'expert', id: c.pseudonym, session, seat }, credentials });
      }
    }
    for (const id of staffIds) {
      const credentials: Credential[] = [
        { type: 'staff-card', value: id },
        { type: 'face', value: id },
      ];
      const person = this.rules.resolve(credentials[0]!, at);
      if (person.kind === 'staff') out.push({ person, credentials });
    }
    return out.map(({ person, credentials }) => ({
      credentials,
      known: {
        person,
        presence: this.store.presence(person.id!, at),
        deposited: this.store.depositOf(person.id!) !== null,
      },
    }));
  }

  build(deviceId: string, at: number, mode: AccessMode, people = this.people(at)): Omit<AllowList, 'version'> {
    const entries: AllowListEntry[] = [];
    const freeDirections = DIRECTIONS.filter((d) => {
      const kind = this.topology.movement(deviceId, d)?.kind;
      return kind === 'zone-exit' || kind === 'room-exit' || kind === 'outside';
    });
    for (const { known, credentials } of people) {
      for (const direction of DIRECTIONS) {
        if (freeDirections.includes(direction)) continue;
        const decision = this.rules.decide(deviceId, credentials[0]!, direction, at, mode, known);
        if (!decision.granted) continue;
        for (const credential of credentials) entries.push({ credential, direction, until: decision.until });
      }
    }
    return { expiresAt: at + LIST_TTL_MS, entries, freeDirections };
  }

  /**
   * Recomputes every device's list; records and pushes those that changed. One device per turn of the event
   * loop, so a venue full of experts never holds up a gate decision; a refresh asked for meanwhile runs after.
   */
  async refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const at = Date.now();
        const mode = this.store.mode().mode;
        const people = this.people(at);
        for (const device of this.topology.passageDevices) {
          await new Promise((resolve) => setImmediate(resolve));
          if (this.stopped) return;
          this.update(device, at, this.build(device, at, mode, people));
        }
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private update(device: string, at: number, list: Omit<AllowList, 'version'>): void {
    // The expiry moves with every build: compare what the device would decide from, refreshed hourly.
    const hash = createHash('sha256')
      .update(JSON.stringify([list.entries, list.freeDirections]))
      .digest('hex');
    const prev = this.current.get(device);
    if (!prev && !this.isOnline(device)) return;
    if (prev && prev.hash === hash && prev.list.expiresAt - at > LIST_TTL_MS - 3600_000) return;
    const version = (prev?.version ?? 0) + 1;
    this.store.db.transaction(() => {
      this.store
        .sql(
          'INSERT INTO access_allow_lists (device, version, expires_at, hash, entries, pushed_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(
          device,
          version,
          list.expiresAt,
          hash,
          JSON.stringify({ entries: list.entries, freeDirections: list.freeDirections }),
          at,
        );
      this.log.append({
        type: 'access.allow-list-pushed',
        subject: device,
        actor: 'system',
        data: { device, version, expiresAt: list.expiresAt, entries: list.entries.length, hash },
      });
    })();
    this.current.set(device, { version, hash, list: { version, ...list } });
    this.push(device);
  }

  /** Ends a refresh in progress at its next device: the venue is shutting down. */
  stop(): void {
    this.stopped = true;
  }

  /** (Re)sends the device its current list, retained so a device that reconnects later gets it too. */
  push(deviceId: string): void {
    const cur = this.current.get(deviceId);
    if (!cur) return;
    this.gateway
      .command(deviceId, 'allow-list', { ...cur.list }, { retain: true, timeoutMs: 10_000 })
      .catch((err) => this.onError(err));
  }

  versionOf(deviceId: string): number | null {
    return this.current.get(deviceId)?.version ?? null;
  }

  /** The list a device had as `version`, to check an offline decision against. */
  listAt(deviceId: string, version: number): AllowList | null {
    const row = this.store
      .sql('SELECT version, expires_at, entries FROM access_allow_lists WHERE device = ? AND version = ?')
      .get(deviceId, version) as { version: number; expires_at: number; entries: string } | undefined;
    return row ? { version: row.version, expiresAt: row.expires_at, ...JSON.parse(row.entries) } : null;
  }
}
