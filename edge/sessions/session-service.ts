import { EventEmitter } from 'node:events';
import { Ajv } from 'ajv';
import type { Statement } from 'better-sqlite3';
import { describeSchemaError } from '../../config/json-schema.ts';
import type { Venue } from '../../config/schema.ts';
import { DomainError } from '../domain-error.ts';
import { migrate } from '../store/database.ts';
import type { EventInput, EventLog, LoggedEvent } from '../store/event-log.ts';
import { preparedCache } from '../store/prepared.ts';
import { type Booking, bookingConflict } from './conflicts.ts';
import { type Admission, admission, DEFAULT_LATE_ENTRY_MS, type LateDecision, lateAfter } from './late-arrivals.ts';
import {
  type Checkin,
  dayBounds,
  type EvaluationSession,
  type Expert,
  type GuestRoom,
  LIVE_STATES,
  parseWhen,
  type SessionDefinition,
  SessionInput,
  type SessionRemote,
  type SessionState,
  type Staff,
  TRANSITIONS,
  VENUE_UTC_OFFSET_MS,
  venueDay,
} from './model.ts';
import { migrations, sessionProjection } from './projection.ts';

export interface ImportOptions {
  /** Where the schedule came from: `platform`, `file:<name>`, `console`. */
  source: string;
  /** Who imported it (console user id); defaults to the source. */
  by?: string;
  /** How the source was verified, e.g. `platform-signature` (the sync engine checked it) or `console-login`. */
  method?: string;
}

export interface ImportReport {
  source: string;
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Inputs that were not imported, each with the field and the reason; the others were imported. */
  rejected: { index: number; id: string | null; error: string }[];
}

/**
 * What check-in records when a person is verified on site (`checkin.accepted`). The check-in capability calls
 * `SessionService.recordCheckin`, or appends the event itself with this data; either way sessions project it.
 */
export interface CheckinAccepted {
  session: string;
  pseudonym: string;
  /** Verification method: `id-card+face`, `face-1:n`, `manual` (a witness checked the person). */
  method: string;
  /** Who verified: a face terminal id or the witness's console id. */
  verifiedBy?: string;
  seat?: string | null;
  badge?: string | null;
  locker?: { bank: string; compartment: number } | null;
  at?: number;
}

const validateInput = new Ajv({ allErrors: false, strict: false }).compile<SessionInput>(SessionInput);

type Definition = SessionDefinition & { id: string; experts: Expert[]; staff: Staff[] };

/**
 * Evaluation sessions: imported from the city platform, schedule files or the console; moved through their
 * states by operators. Every change is an event; the `sessions` tables are projections of those events.
 */
export class SessionService extends EventEmitter<{ changed: [string, LoggedEvent] }> {
  private readonly rooms: Map<string, Set<string> | null>;
  /** Session start + this: later arrivals need a witness's decision (venue file `access.lateEntryMin`). */
  readonly lateEntryMs: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly sql: (sql: string) => Statement;

  constructor(
    private readonly log: EventLog,
    venue: Venue,
    private readonly options: { checkinLeadMin?: number } = {},
  ) {
    super();
    migrate(log.db, 'sessions', migrations);
    this.sql = preparedCache(log.db);
    log.addProjection(sessionProjection(log.db));
    const lateMin = venue.access?.lateEntryMin;
    this.lateEntryMs = lateMin ? lateMin * 60_000 : DEFAULT_LATE_ENTRY_MS;
    this.rooms = new Map(
      venue.zones
        .filter((z) => z.type === 'evaluation-room')
        .map((z) => [z.id, z.seats ? new Set(z.seats.map((s) => s.id)) : null]),
    );
    log.on('appended', (e) => {
      if (e.session && (e.type.startsWith('session.') || e.type === 'checkin.accepted'))
        this.emit('changed', e.session, e);
    });
  }

  /** Opens check-in automatically `checkinLeadMin` before a scheduled session starts. */
  start(intervalMs = 30_000): void {
    this.openDueCheckins();
    this.timer = setInterval(() => this.openDueCheckins(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  openDueCheckins(now = Date.now()): string[] {
    const lead = (this.options.checkinLeadMin ?? 60) * 60_000;
    const due = this.sql("SELECT id FROM sessions WHERE state = 'scheduled' AND starts_at - ? <= ? AND ends_at > ?")
      .pluck()
      .all(lead, now, now) as string[];
    for (const id of due) this.transition(id, 'checkin-open', { by: 'system', reason: 'check-in window reached' });
    return due;
  }

  // ─── import ────────────────────────────────────────────────────────────────

  /** Imports sessions (platform push, file, console). Valid inputs are imported in one transaction; invalid ones are reported. */
  importSchedule(payload: unknown, options: ImportOptions): ImportReport {
    let inputs: unknown[];
    if (Array.isArray(payload)) inputs = payload;
    else if (payload && typeof payload === 'object' && Array.isArray((payload as { sessions?: unknown }).sessions))
      inputs = (payload as { sessions: unknown[] }).sessions;
    else throw new DomainError('invalid', 'schedule must be an array of sessions or {"sessions": [...]}');

    const by = options.by ?? options.source;
    const report: ImportReport = { source: options.source, created: [], updated: [], unchanged: [], rejected: [] };
    const events: EventInput[] = [];
    const seen = new Set<string>();
    const accepted = new Map<string, Booking>();
    for (const [index, raw] of inputs.entries()) {
      const outcome = this.importOne(raw, index, seen, accepted, by, options);
      if ('error' in outcome) {
        report.rejected.push({ index, id: outcome.id, error: outcome.error });
        continue;
      }
      events.push(...outcome.events);
      report[outcome.outcome].push(outcome.id);
    }
    events.push({
      type: 'sessions.imported',
      actor: by,
      method: options.method ?? null,
      data: { ...report },
    });
    this.log.appendMany(events);
    // A session imported inside its check-in lead (or after its start) opens now, not at the next sweep.
    if (report.created.length || report.updated.length) this.openDueCheckins();
    return report;
  }

  private importOne(
    raw: unknown,
    index: number,
    seen: Set<string>,
    accepted: Map<string, Booking>,
    by: string,
    options: ImportOptions,
  ):
    | { id: string; outcome: 'created' | 'updated' | 'unchanged'; events: EventInput[] }
    | { id: string | null; error: string } {
    const parsed = this.parseInput(raw, `sessions[${index}]`);
    if ('error' in parsed) return parsed;
    const id = parsed.definition.id;
    if (seen.has(id)) return { id, error: `sessions[${index}]: duplicate id "${id}"` };
    seen.add(id);
    const existing = this.get(id);
    // Only a live session holds its room and experts; one that can no longer change is judged by changesFor.
    const live = !existing || LIVE_STATES.includes(existing.state);
    const clash = live ? this.bookingClash(parsed.definition, accepted) : null;
    if (clash) return { id, error: `sessions[${index}]${clash}` };
    const changes = this.changesFor(parsed.definition, by, options);
    if ('error' in changes) return { id, error: changes.error };
    if (live) accepted.set(id, parsed.definition);
    const outcome = changes.kind === 'created' ? 'created' : changes.events.length ? 'updated' : 'unchanged';
    return { id, outcome, events: changes.events };
  }

  /** Double booking against the stored live sessions and those accepted earlier in this import. */
  private bookingClash(def: Definition, accepted: Map<string, Booking>): string | null {
    const stored = (
      this.sql(`SELECT * FROM sessions WHERE state IN (${LIVE_SQL}) AND starts_at < ? AND ends_at > ?`).all(
        def.end,
        def.start,
      ) as SessionRow[]
    )
      .filter((row) => !accepted.has(row.id))
      .map((row) => this.hydrate(row));
    const clock = (ms: number) => new Date(ms + VENUE_UTC_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
    return bookingConflict(
      def,
      [...stored, ...accepted.values()],
      (b) => `${clock(b.start)}–${clock(b.end).slice(11)}`,
    );
  }

  /** One session from the console; throws a SessionError naming the field if it is not valid. */
  upsert(input: unknown, by: string): EvaluationSession {
    const report = this.importSchedule([input], { source: 'console', by, method: 'console' });
    if (report.rejected.length) throw new DomainError('invalid', report.rejected[0]!.error);
    return this.get([...report.created, ...report.updated, ...report.unchanged][0]!)!;
  }

  private parseInput(raw: unknown, path: string): { definition: Definition } | { error: string; id: string | null } {
    const rawId = (raw as { id?: unknown; transactionCode?: unknown } | null) ?? {};
    const guessId =
      typeof rawId.id === 'string'
        ? rawId.id
        : typeof rawId.transactionCode === 'string'
          ? rawId.transactionCode
          : null;
    if (!validateInput(raw)) {
      return { id: guessId, error: `${path}${describeSchemaError(validateInput.errors![0]!)}` };
    }
    const fail = (error: string) => ({ id: guessId, error: `${path}${error}` });
    const start = parseWhen(raw.start);
    const end = parseWhen(raw.end);
    if (start === null) return fail(`/start: not a time: "${raw.start}"`);
    if (end === null) return fail(`/end: not a time: "${raw.end}"`);
    if (end <= start) return fail('/end: must be after start');
    if (!this.rooms.has(raw.room)) return fail(`/room: "${raw.room}" is not an evaluation room of this venue`);
    const seats = this.rooms.get(raw.room);
    const pseudonyms = new Set<string>();
    const taken = new Set<string>();
    for (const [i, e] of raw.experts.entries()) {
      if (pseudonyms.has(e.pseudonym)) return fail(`/experts/${i}/pseudonym: "${e.pseudonym}" listed twice`);
      pseudonyms.add(e.pseudonym);
      if (!e.seat) continue;
      if (seats && !seats.has(e.seat)) return fail(`/experts/${i}/seat: "${e.seat}" is not a seat of ${raw.room}`);
      if (taken.has(e.seat)) return fail(`/experts/${i}/seat: "${e.seat}" given twice`);
      taken.add(e.seat);
    }
    const remote = remoteOf(raw.remote);
    if ('error' in remote) return fail(remote.error);
    const staffIds = new Set<string>();
    for (const [i, s] of (raw.staff ?? []).entries()) {
      if (staffIds.has(s.id)) return fail(`/staff/${i}/id: "${s.id}" listed twice`);
      staffIds.add(s.id);
    }
    return {
      definition: {
        id: raw.id ?? raw.transactionCode,
        transactionCode: raw.transactionCode,
        project: { code: raw.project.code, name: raw.project.name },
        room: raw.room,
        start,
        end,
        remote: remote.value,
        experts: raw.experts.map((e) => ({ pseudonym: e.pseudonym, seat: e.seat ?? null })),
        staff: (raw.staff ?? []).map((s) => ({ id: s.id, role: s.role })),
      },
    };
  }

  /** The events that bring the stored session to this definition (none if it already matches). */
  private changesFor(
    def: Definition,
    by: string,
    options: ImportOptions,
  ): { kind: 'created' | 'existing'; events: EventInput[] } | { error: string } {
    const base = { session: def.id, actor: by, method: options.method ?? null };
    const existing = this.get(def.id);
    const events: EventInput[] = [];
    const { experts, staff, id: _id, ...definition } = def;
    if (!existing) {
      events.push({ ...base, type: 'session.scheduled', data: { ...definition, source: options.source } });
      if (experts.length) events.push({ ...base, type: 'session.experts-authorised', data: { experts } });
      if (staff.length) events.push({ ...base, type: 'session.staff-assigned', data: { staff } });
      return { kind: 'created', events };
    }
    const current: SessionDefinition = {
      transactionCode: existing.transactionCode,
      project: existing.project,
      room: existing.room,
      start: existing.start,
      end: existing.end,
      remote: existing.remote,
    };
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const key of Object.keys(definition) as (keyof SessionDefinition)[]) {
      if (JSON.stringify(current[key]) !== JSON.stringify(definition[key]))
        changes[key] = { from: current[key], to: definition[key] };
    }
    const hasChanges = Object.keys(changes).length > 0;
    const expertDiff = diff(existing.experts, experts, (e) => e.pseudonym);
    const staffDiff = diff(existing.staff, staff, (s) => s.id);
    const touches =
      hasChanges ||
      expertDiff.changed.length ||
      expertDiff.removed.length ||
      staffDiff.changed.length ||
      staffDiff.removed.length;
    if (touches && !LIVE_STATES.includes(existing.state))
      return { error: `session ${def.id} is ${existing.state}; it can no longer be changed` };
    if (hasChanges) events.push({ ...base, type: 'session.updated', data: { changes, source: options.source } });
    if (expertDiff.changed.length)
      events.push({ ...base, type: 'session.experts-authorised', data: { experts: expertDiff.changed } });
    if (expertDiff.removed.length)
      events.push({ ...base, type: 'session.experts-revoked', data: { pseudonyms: expertDiff.removed } });
    if (staffDiff.changed.length)
      events.push({ ...base, type: 'session.staff-assigned', data: { staff: staffDiff.changed } });
    if (staffDiff.removed.length)
      events.push({ ...base, type: 'session.staff-removed', data: { ids: staffDiff.removed } });
    return { kind: 'existing', events };
  }

  // ─── console actions ───────────────────────────────────────────────────────

  transition(
    id: string,
    to: SessionState,
    actor: { by: string; reason?: string | null; method?: string },
  ): EvaluationSession {
    const session = this.mustGet(id);
    // Asking for the state a session is already in changes nothing (check-in may have opened at import).
    if (session.state === to) return session;
    if (!TRANSITIONS[session.state].includes(to)) {
      const allowed = TRANSITIONS[session.state];
      throw new DomainError(
        'conflict',
        `session ${id} is ${session.state}; it can go to ${allowed.length ? allowed.join(', ') : 'no other state'}, not ${to}`,
      );
    }
    this.log.append({
      type: 'session.state-changed',
      session: id,
      actor: actor.by,
      method: actor.method ?? null,
      data: { from: session.state, to, reason: actor.reason ?? null },
    });
    return this.mustGet(id);
  }

  authoriseExperts(id: string, experts: Expert[], by: string): EvaluationSession {
    const s = this.mustGet(id);
    const kept = s.experts.filter((e) => !experts.some((n) => n.pseudonym === e.pseudonym));
    return this.upsert({ ...this.toInput(s), experts: [...kept, ...experts].map(expertInput) }, by);
  }

  revokeExpert(id: string, pseudonym: string, by: string): EvaluationSession {
    const s = this.mustGet(id);
    if (!s.experts.some((e) => e.pseudonym === pseudonym))
      throw new DomainError('not-found', `${pseudonym} is not authorised for session ${id}`);
    return this.upsert(
      { ...this.toInput(s), experts: s.experts.filter((e) => e.pseudonym !== pseudonym).map(expertInput) },
      by,
    );
  }

  private toInput(s: EvaluationSession): SessionInput {
    return {
      id: s.id,
      transactionCode: s.transactionCode,
      project: s.project,
      room: s.room,
      start: s.start,
      end: s.end,
      experts: s.experts.map(expertInput),
      staff: s.staff,
      ...(s.remote ? { remote: remoteInput(s.remote) } : {}),
    };
  }

  // ─── check-in ──────────────────────────────────────────────────────────────

  /** Records a verified check-in (`checkin.accepted`) after checking the person is authorised for the session. */
  recordCheckin(input: CheckinAccepted): { event: LoggedEvent; checkin: Checkin } {
    const session = this.mustGet(input.session);
    const expert = session.experts.find((e) => e.pseudonym === input.pseudonym);
    if (!expert) throw new DomainError('conflict', `${input.pseudonym} is not authorised for session ${session.id}`);
    if (!['checkin-open', 'in-progress', 'suspended'].includes(session.state))
      throw new DomainError('conflict', `session ${session.id} is ${session.state}: check-in is not open`);
    if (session.checkins.some((c) => c.pseudonym === input.pseudonym))
      throw new DomainError('conflict', `${input.pseudonym} has already checked in to session ${session.id}`);
    if (input.badge) {
      const holder = this.findByBadge(input.badge, input.at ?? Date.now());
      if (holder)
        throw new DomainError('conflict', `badge ${input.badge} is already held by another checked-in person`);
    }
    const event = this.log.append({
      type: 'checkin.accepted',
      session: session.id,
      actor: input.pseudonym,
      method: input.method,
      subject: input.pseudonym,
      at: input.at,
      data: {
        pseudonym: input.pseudonym,
        verifiedBy: input.verifiedBy ?? null,
        seat: input.seat ?? expert.seat,
        badge: input.badge ?? null,
        locker: input.locker ?? null,
      },
    });
    return { event, checkin: this.checkinOf(session.id, input.pseudonym)! };
  }

  // ─── late arrivals ─────────────────────────────────────────────────────────

  /** Where this expert stands against the late-entry rule at `at` (see late-arrivals.ts). */
  admissionOf(session: EvaluationSession, pseudonym: string, at: number): Admission {
    return admission(session, at, this.lateEntryMs, this.lateDecisionOf(session.id, pseudonym));
  }

  lateDecisionOf(sessionId: string, pseudonym: string): LateDecision | null {
    const row = this.sql(
      'SELECT pseudonym, approved, by, at, note FROM session_late_decisions WHERE session = ? AND pseudonym = ?',
    ).get(sessionId, pseudonym) as (Omit<LateDecision, 'approved'> & { approved: number }) | undefined;
    return row ? { ...row, approved: row.approved === 1 } : null;
  }

  /** A witness lets a late expert in, or refuses them; recorded, and check-in and the doors follow it. */
  decideLateArrival(
    sessionId: string,
    pseudonym: string,
    decision: { approved: boolean; by: string; note?: string | null },
  ): LateDecision {
    const session = this.mustGet(sessionId);
    if (!session.experts.some((e) => e.pseudonym === pseudonym))
      throw new DomainError('not-found', `${pseudonym} is not authorised for session ${session.id}`);
    if (!['checkin-open', 'in-progress', 'suspended'].includes(session.state))
      throw new DomainError('conflict', `session ${session.id} is ${session.state}: nobody is arriving`);
    this.log.append({
      type: 'session.late-arrival-decided',
      session: session.id,
      actor: decision.by,
      method: 'console',
      subject: pseudonym,
      data: { pseudonym, approved: decision.approved, note: decision.note ?? null },
    });
    return this.lateDecisionOf(session.id, pseudonym)!;
  }

  /** The session's experts against the late-entry rule now: who is held, who was let in or refused, by whom. */
  lateArrivals(sessionId: string, at = Date.now()) {
    const session = this.mustGet(sessionId);
    return {
      lateAfter: lateAfter(session, this.lateEntryMs),
      experts: session.experts.map((e) => ({
        pseudonym: e.pseudonym,
        seat: e.seat,
        checkedInAt: session.checkins.find((c) => c.pseudonym === e.pseudonym)?.at ?? null,
        admission: this.admissionOf(session, e.pseudonym, at),
        decision: this.lateDecisionOf(session.id, e.pseudonym),
      })),
    };
  }

  checkinOf(sessionId: string, pseudonym: string): Checkin | null {
    const row = this.sql('SELECT * FROM session_checkins WHERE session = ? AND pseudonym = ?').get(
      sessionId,
      pseudonym,
    ) as CheckinRow | undefined;
    return row ? toCheckin(row) : null;
  }

  /** Who holds this badge now: a person checked in to a live session today. */
  findByBadge(badge: string, at = Date.now()): { session: EvaluationSession; pseudonym: string } | null {
    const [from, to] = dayBounds(venueDay(at))!;
    const row = this.sql(
      `SELECT c.session, c.pseudonym FROM session_checkins c JOIN sessions s ON s.id = c.session
         WHERE c.badge = ? AND s.starts_at < ? AND s.ends_at > ? AND s.state IN (${LIVE_SQL})
         ORDER BY c.seq DESC LIMIT 1`,
    ).get(badge, to, from) as { session: string; pseudonym: string } | undefined;
    return row ? { session: this.get(row.session)!, pseudonym: row.pseudonym } : null;
  }

  // ─── queries ───────────────────────────────────────────────────────────────

  get(id: string): EvaluationSession | null {
    const row = this.sql('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? this.hydrate(row) : null;
  }

  list(filter: { day?: string; state?: SessionState; room?: string } = {}): EvaluationSession[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.day !== undefined) {
      const bounds = dayBounds(filter.day);
      if (!bounds) throw new DomainError('invalid', `day: "${filter.day}" is not YYYY-MM-DD`);
      where.push('starts_at < @to AND ends_at > @from');
      [params.from, params.to] = bounds;
    }
    if (filter.state) {
      where.push('state = @state');
      params.state = filter.state;
    }
    if (filter.room) {
      where.push('room = @room');
      params.room = filter.room;
    }
    const sql = `SELECT * FROM sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY starts_at, id`;
    return (this.sql(sql).all(params) as SessionRow[]).map((r) => this.hydrate(r));
  }

  today(now = Date.now()): EvaluationSession[] {
    return this.list({ day: venueDay(now) });
  }

  /**
   * The session bound to a room at a moment: a live session whose day it is, preferring one already running
   * or open for check-in, then the one whose window holds `at`.
   */
  sessionForRoom(roomId: string, at = Date.now()): EvaluationSession | null {
    const candidates = this.today(at).filter((s) => s.room === roomId && LIVE_STATES.includes(s.state));
    const rank = (s: EvaluationSession) =>
      (s.state === 'in-progress' || s.state === 'suspended' ? 0 : s.state === 'checkin-open' ? 1 : 2) * 10 +
      (at >= s.start && at < s.end ? 0 : 1);
    return candidates.sort((a, b) => rank(a) - rank(b) || a.start - b.start)[0] ?? null;
  }

  /** The live session today that authorises this expert, and their seat. */
  findExpertToday(pseudonym: string, now = Date.now()): { session: EvaluationSession; seat: string | null } | null {
    const [from, to] = dayBounds(venueDay(now))!;
    const row = this.sql(
      `SELECT e.session, e.seat FROM session_experts e JOIN sessions s ON s.id = e.session
         WHERE e.pseudonym = ? AND s.starts_at < ? AND s.ends_at > ? AND s.state IN (${LIVE_SQL})
         ORDER BY s.starts_at LIMIT 1`,
    ).get(pseudonym, to, from) as { session: string; seat: string | null } | undefined;
    return row ? { session: this.get(row.session)!, seat: row.seat } : null;
  }

  /** Live sessions today where this person is staff or a witness, with their role. */
  findStaffToday(personId: string, now = Date.now()): { session: EvaluationSession; role: Staff['role'] }[] {
    const [from, to] = dayBounds(venueDay(now))!;
    const rows = this.sql(
      `SELECT st.session, st.role FROM session_staff st JOIN sessions s ON s.id = st.session
       WHERE st.person = ? AND s.starts_at < ? AND s.ends_at > ? AND s.state IN (${LIVE_SQL}) ORDER BY s.starts_at`,
    ).all(personId, to, from) as { session: string; role: Staff['role'] }[];
    return rows.map((r) => ({ session: this.get(r.session)!, role: r.role }));
  }

  /** Who changed what: the session's whole record in order. */
  history(id: string): LoggedEvent[] {
    this.mustGet(id);
    return this.log.query({ session: id, limit: 100_000 });
  }

  private mustGet(id: string): EvaluationSession {
    const s = this.get(id);
    if (!s) throw new DomainError('not-found', `no session ${id}`);
    return s;
  }

  private hydrate(row: SessionRow): EvaluationSession {
    return {
      id: row.id,
      transactionCode: row.transaction_code,
      project: { code: row.project_code, name: row.project_name },
      room: row.room,
      start: row.starts_at,
      end: row.ends_at,
      state: row.state,
      remote: row.remote_host
        ? { hostVenue: row.remote_host, hostRoom: row.remote_room }
        : row.remote_guests
          ? { guests: JSON.parse(row.remote_guests) as GuestRoom[] }
          : null,
      experts: this.sql('SELECT pseudonym, seat FROM session_experts WHERE session = ? ORDER BY rowid').all(
        row.id,
      ) as Expert[],
      staff: this.sql('SELECT person AS id, role FROM session_staff WHERE session = ? ORDER BY rowid').all(
        row.id,
      ) as Staff[],
      checkins: (
        this.sql('SELECT * FROM session_checkins WHERE session = ? ORDER BY seq').all(row.id) as CheckinRow[]
      ).map(toCheckin),
      source: row.source,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }
}

/** A remote block as given: one side of the session (seated here for a host elsewhere, or hosting guests). */
function remoteOf(input: SessionInput['remote']): { value: SessionRemote | null } | { error: string } {
  if (!input) return { value: null };
  if (input.hostVenue && input.guests)
    return { error: '/remote: either hostVenue (seated here, hosted there) or guests (hosted here), not both' };
  if (input.guests) {
    const seen = new Set<string>();
    for (const [i, g] of input.guests.entries()) {
      if (seen.has(`${g.venue}/${g.room}`)) return { error: `/remote/guests/${i}: ${g.venue} ${g.room} listed twice` };
      seen.add(`${g.venue}/${g.room}`);
    }
    return { value: { guests: input.guests.map((g) => ({ venue: g.venue, room: g.room })) } };
  }
  if (!input.hostVenue) return { error: '/remote: needs hostVenue (hosted elsewhere) or guests (hosted here)' };
  return { value: { hostVenue: input.hostVenue, hostRoom: input.hostRoom ?? null } };
}

function remoteInput(remote: SessionRemote): NonNullable<SessionInput['remote']> {
  if ('guests' in remote) return { guests: remote.guests };
  return remote.hostRoom ? { hostVenue: remote.hostVenue, hostRoom: remote.hostRoom } : { hostVenue: remote.hostVenue };
}

const expertInput = (e: Expert) => (e.seat ? { pseudonym: e.pseudonym, seat: e.seat } : { pseudonym: e.pseudonym });

const LIVE_SQL = LIVE_STATES.map((s) => `'${s}'`).join(', ');

export interface SessionRow {
  id: string;
  transaction_code: string;
  project_code: string;
  project_name: string;
  room: string;
  starts_at: number;
  ends_at: number;
  state: SessionState;
  remote_host: string | null;
  remote_room: string | null;
  /** JSON of the guest rooms when the session is hosted here. */
  remote_guests: string | null;
  source: string;
  updated_at: number;
  updated_by: string | null;
}

interface CheckinRow {
  session: string;
  pseudonym: string;
  seat: string | null;
  badge: string | null;
  locker_bank: string | null;
  locker_compartment: number | null;
  method: string;
  at: number;
  seq: number;
}

const toCheckin = (r: CheckinRow): Checkin => ({
  pseudonym: r.pseudonym,
  seat: r.seat,
  badge: r.badge,
  locker: r.locker_bank ? { bank: r.locker_bank, compartment: r.locker_compartment! } : null,
  method: r.method,
  at: r.at,
  seq: r.seq,
});

/** Entries new or changed in `next`, and keys gone from it. */
function diff<T>(current: T[], next: T[], key: (t: T) => string): { changed: T[]; removed: string[] } {
  const before = new Map(current.map((c) => [key(c), JSON.stringify(c)]));
  const after = new Set(next.map(key));
  return {
    changed: next.filter((n) => before.get(key(n)) !== JSON.stringify(n)),
    removed: [...before.keys()].filter((k) => !after.has(k)),
  };
}
