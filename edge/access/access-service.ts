import { randomUUID } from 'node:crypto';
import { allowListPermits } from '../../devices/gate/allow-list.ts';
import type { DeviceEventPayload, DeviceStatePayload } from '../bus/device-gateway.ts';
import { checkOutsOf } from '../checkin/checkout.ts';
import type { VenueContext } from '../context.ts';
import { DomainError } from '../domain-error.ts';
import type { EventData, EventType } from '../event-catalogue.ts';
import type { DeviceRecord } from '../registry/device-registry.ts';
import { sessionEvents } from '../sessions/events.ts';
import { lateAfter } from '../sessions/late-arrivals.ts';
import type { SessionService } from '../sessions/session-service.ts';
import type { LoggedEvent } from '../store/event-log.ts';
import { type AccessMode, AccessStore, type PassageData, type RosterEntry } from './access-store.ts';
import { AllowLists } from './allow-lists.ts';
import { PendingGrants } from './grants.ts';
import {
  type AccessOptions,
  AccessRules,
  accessOptionsFrom,
  type Credential,
  type Decision,
  REASONS,
} from './rules.ts';
import { AccessTopology, type Direction } from './topology.ts';

export interface AccessServiceOptions extends Partial<AccessOptions> {
  /** How long a door stays released for one granted passage. */
  openSeconds?: number;
  /** How often entry windows are checked for experts who never reached their room. */
  sweepMs?: number;
}

const DOOR_ALARM_LEVEL = { 'forced-open': 3, 'held-open': 2, tailgating: 2 } as const;

/** Events that can change who may pass, so the gates' allow-lists are rebuilt after them. */
const AUTHORISATION_EVENTS = [
  // Every session event, whichever the sessions module declares: schedules, experts, staff, states, decisions.
  ...(Object.keys(sessionEvents) as (keyof typeof sessionEvents)[]),
  'checkin.accepted',
  'access.passage',
  'access.offline-decision',
  'access.reentry-approved',
  'access.roll-call',
  'access.mode-changed',
  'access.staff-enrolled',
  'access.staff-removed',
  'locker.deposit',
  'locker.retrieve',
] as const satisfies readonly EventType[];

/**
 * Access control of the evaluation zone: answers every gate's and door's pass request with `open` or `deny`,
 * records each decision with its reason, watches passages and door alarms, runs fire mode, and keeps the
 * devices' allow-lists current so they can decide while the edge is unreachable.
 */
export class AccessService {
  readonly topology: AccessTopology;
  readonly store: AccessStore;
  readonly rules: AccessRules;
  readonly allowLists: AllowLists;
  private readonly grants: PendingGrants;
  private readonly openSeconds: number;
  private timers: NodeJS.Timeout[] = [];
  private refreshPending: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: VenueContext,
    private readonly sessions: SessionService,
    private readonly options: AccessServiceOptions = {},
  ) {
    this.topology = new AccessTopology(ctx.venue);
    this.store = new AccessStore(ctx.log);
    const { openSeconds: _open, sweepMs: _sweep, ...ruleOptions } = options;
    this.rules = new AccessRules(this.topology, sessions, this.store, {
      ...accessOptionsFrom(ctx.venue.access),
      ...ruleOptions,
    });
    this.openSeconds = options.openSeconds ?? 5;
    this.grants = new PendingGrants(this.rules.options.grantExpiryMs);
    const onError = (err: unknown) => ctx.logger.warn({ err }, 'access command failed');
    const settings = this.lastEventData('access.settings-changed');
    if (settings) Object.assign(this.rules.options, settings);
    this.allowLists = new AllowLists(
      ctx.log,
      this.store,
      ctx.gateway,
      this.topology,
      sessions,
      this.rules,
      onError,
      (id) => ctx.registry.get(id)?.online ?? false,
    );

    for (const kind of ['gate', 'door'] as const) {
      ctx.gateway.onEvent(kind, 'pass-request', (d, p) => this.passRequest(d, p));
      ctx.gateway.onEvent(kind, 'passage', (d, p) => this.passage(d, p));
      ctx.gateway.onEvent(kind, 'alarm', (d, p) => this.doorAlarm(d, p));
      ctx.gateway.onEvent(kind, 'offline-decision', (d, p) => this.offlineDecision(d, p));
      ctx.gateway.onState(kind, (d, p) => this.deviceState(d, p));
    }
    ctx.gateway.onEvent('fire-panel', 'fire-alarm', (d, p) => this.fireAlarm(d, p));
    ctx.gateway.onEvent('locker', 'deposit', (d, p) => this.locker('locker.deposit', d, p));
    ctx.gateway.onEvent('locker', 'retrieve', (d, p) => this.locker('locker.retrieve', d, p));
    ctx.log.onAppended(AUTHORISATION_EVENTS, () => this.scheduleRefresh());
    ctx.log.on('appended', (e) => {
      if (e.type === 'checkin.accepted') this.assignLocker(e.data);
      if (e.type === 'checkin.refused' && e.data.reason === 'held-for-witness') this.lateAtTerminal(e);
      if (e.type === 'session.late-arrival-decided')
        ctx.alarms.clear(
          'late-arrival',
          e.subject!,
          `${e.data.approved ? 'late arrival approved' : 'late arrival refused'} by ${e.actor}`,
        );
    });
  }

  start(): void {
    this.scheduleRefresh();
    this.timers.push(
      setInterval(() => this.refreshNow(), 30_000),
      setInterval(() => this.safely(() => this.sweepEntryWindows()), this.options.sweepMs ?? 1000),
    );
    for (const t of this.timers) t.unref();
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.allowLists.stop();
    if (this.refreshPending) clearTimeout(this.refreshPending);
    this.refreshPending = null;
  }

  get mode(): AccessMode {
    return this.store.mode().mode;
  }

  // ─── decisions ───────────────────────────────────────────────────────────

  private passRequest(device: DeviceRecord, p: DeviceEventPayload<'gate', 'pass-request'>): void {
    const at = Date.now();
    const { credential, direction, requestId } = p;
    const decision = this.rules.decide(device.id, credential, direction, at, this.mode, { sentAt: p.at });
    const grantId = decision.granted ? randomUUID() : null;
    this.record(decision.granted ? 'access.granted' : 'access.denied', device, decision, {
      requestId,
      grantId,
      direction,
      credential,
      at,
    });
    if (grantId) {
      this.grants.add(device.id, grantId, decision.passage, at);
      this.send(device.id, 'open', { grantId, requestId, direction, seconds: this.openSeconds });
    } else {
      this.send(device.id, 'deny', { requestId, reason: decision.reason });
    }
    if (decision.alarm) {
      this.ctx.alarms.raise({
        kind: decision.alarm.kind,
        level: decision.alarm.level,
        subject: decision.alarm.subject ?? decision.person.id ?? decision.movement?.door ?? device.id,
        session: decision.passage.session,
        details: { ...decision.alarm.details, door: decision.movement?.door, device: device.id },
      });
    }
  }

  private record(
    type: 'access.granted' | 'access.denied',
    device: DeviceRecord,
    decision: Decision,
    r: { requestId: string; grantId: string | null; direction: Direction; credential: Credential; at: number },
  ): void {
    const door = decision.movement?.door ?? device.door;
    this.ctx.log.append({
      type,
      session: decision.passage.session,
      actor: decision.person.id,
      method: r.credential.type,
      subject: door,
      at: r.at,
      data: {
        device: device.id,
        door,
        requestId: r.requestId,
        grantId: r.grantId,
        direction: r.direction,
        movement: decision.movement?.kind ?? null,
        credential: r.credential,
        personKind: decision.person.kind,
        reason: decision.reason,
        reasonZh: REASONS[decision.reason],
        ...decision.passage,
      },
    });
  }

  private send(deviceId: string, name: string, args: Record<string, unknown>): void {
    this.ctx.gateway
      .command(deviceId, name, args)
      .catch((err) => this.ctx.logger.warn({ err, deviceId, name }, 'access command failed'));
  }

  // ─── passages and door alarms ────────────────────────────────────────────

  /** The door saw people pass: the grant's holder moves; more people than grants is tailgating. */
  private passage(device: DeviceRecord, p: DeviceEventPayload<'gate', 'passage'>): void {
    const at = Date.now();
    const count = p.count;
    const fire = this.mode === 'fire-open';
    const grant = this.grants.take(device.id, p.grantId, at);
    const unexpected = fire ? 0 : count - (grant ? 1 : 0);
    this.ctx.log.append({
      type: 'access.passage',
      session: grant?.passage.session ?? null,
      actor: device.id,
      method: 'device-credential',
      subject: device.door,
      data: {
        device: device.id,
        door: device.door,
        direction: p.direction,
        count,
        grantId: grant?.grantId ?? null,
        unexpected,
        ...grant?.passage,
      },
    });
    if (unexpected > 0)
      this.ctx.alarms.raise({
        kind: 'tailgating',
        level: 2,
        subject: device.door ?? device.id,
        details: { device: device.id, count, granted: grant ? 1 : 0 },
      });
  }

  private doorAlarm(device: DeviceRecord, p: DeviceEventPayload<'gate', 'alarm'>): void {
    const type = p.type;
    const fire = this.mode === 'fire-open';
    this.ctx.log.append({
      type: 'access.door-alarm',
      actor: device.id,
      method: 'device-credential',
      subject: device.door,
      data: { device: device.id, door: device.door, type, mode: this.mode },
    });
    // In fire mode the doors are held open on purpose.
    if (fire && type !== 'tailgating') return;
    this.ctx.alarms.raise({
      kind: type,
      level: DOOR_ALARM_LEVEL[type],
      subject: device.door ?? device.id,
      details: { device: device.id },
    });
  }

  /** A device that reports an old allow-list or the wrong mode (e.g. after a reboot) is brought up to date. */
  private deviceState(device: DeviceRecord, p: DeviceStatePayload<'gate'>): void {
    const version = this.allowLists.versionOf(device.id);
    if (version === null) this.scheduleRefresh();
    else if (p.allowListVersion !== version) this.allowLists.push(device.id);
    const mode = this.mode;
    if (p.mode !== mode) this.sendMode([device.id], mode);
  }

  // ─── offline decisions ───────────────────────────────────────────────────

  /** A decision a device took from its allow-list while the edge was unreachable: recorded once and checked. */
  private offlineDecision(device: DeviceRecord, p: DeviceEventPayload<'gate', 'offline-decision'>): void {
    const requestId = p.requestId;
    const seen = this.store
      .sql('SELECT 1 FROM access_offline_reports WHERE device = ? AND request_id = ?')
      .get(device.id, requestId);
    if (seen) return;
    const { credential, direction, decidedAt, granted } = p;
    const version = p.allowListVersion;
    const list = this.allowLists.listAt(device.id, version);
    const permitted = list ? allowListPermits(list, credential, direction, decidedAt) : false;
    const consistent = permitted === granted;
    // What the rules say the passage meant, judged at the time it happened.
    const decision = this.rules.decide(device.id, credential, direction, decidedAt, this.mode);
    const movement = decision.movement;
    const passage: PassageData = granted
      ? { ...decision.passage, location: movement?.to ?? 'outside' }
      : { person: decision.person.id, session: decision.passage.session, location: 'outside' };
    this.store.db.transaction(() => {
      const event = this.ctx.log.append({
        type: 'access.offline-decision',
        session: passage.session,
        actor: decision.person.id,
        method: credential.type,
        subject: movement?.door ?? device.door,
        data: {
          device: device.id,
          door: movement?.door ?? device.door,
          requestId,
          direction,
          movement: movement?.kind ?? null,
          credential,
          personKind: decision.person.kind,
          granted,
          decidedAt,
          allowListVersion: version,
          knownList: list !== null,
          consistent,
          ...passage,
        },
      });
      this.store
        .sql('INSERT INTO access_offline_reports (device, request_id, seq) VALUES (?, ?, ?)')
        .run(device.id, requestId, event.seq);
    })();
    if (!consistent)
      this.ctx.alarms.raise({
        kind: 'offline-decision-mismatch',
        level: 2,
        subject: device.id,
        session: passage.session,
        details: { requestId, granted, allowListVersion: version, knownList: list !== null },
      });
  }

  // ─── fire ────────────────────────────────────────────────────────────────

  private fireAlarm(device: DeviceRecord, p: DeviceEventPayload<'fire-panel', 'fire-alarm'>): void {
    const active = p.active;
    this.ctx.log.append({
      type: 'access.fire-alarm',
      actor: device.id,
      method: 'device-credential',
      subject: device.id,
      data: { active, detector: p.detector ?? null },
    });
    if (!active) return; // doors stay open until an operator restores normal mode
    this.ctx.alarms.raise({
      kind: 'fire-alarm',
      level: 3,
      subject: device.id,
      details: { detector: p.detector ?? null },
    });
    if (this.mode !== 'fire-open') {
      // Sessions with experts on site need a witness's roll call before anyone re-enters their room.
      const rollCallDue = this.sessions
        .today()
        .filter((s) => ['checkin-open', 'in-progress', 'suspended'].includes(s.state) && s.checkins.length > 0)
        .map((s) => s.id);
      this.ctx.log.append({
        type: 'access.mode-changed',
        actor: 'system',
        subject: device.id,
        data: { mode: 'fire-open', reason: `fire alarm at ${device.id}`, rollCallDue },
      });
    }
    this.sendMode(this.topology.passageDevices, 'fire-open');
  }

  /** Panels whose last report is an active alarm. */
  activeFirePanels(): string[] {
    return this.topology.firePanels.filter((panel) => this.lastEventData('access.fire-alarm', panel)?.active === true);
  }

  private lastEventData(type: string, subject?: string): Record<string, unknown> | null {
    const data = this.store
      .sql(`SELECT data FROM events WHERE type = ? ${subject ? 'AND subject = ?' : ''} ORDER BY seq DESC LIMIT 1`)
      .pluck()
      .get(...(subject ? [type, subject] : [type])) as string | undefined;
    return data ? JSON.parse(data) : null;
  }

  /** Changes the venue's access settings (recorded; they survive a restart). */
  configure(settings: Partial<Pick<AccessOptions, 'entryWindowMs'>>, by: string): AccessOptions {
    const ms = settings.entryWindowMs;
    if (ms !== undefined && (!Number.isInteger(ms) || ms < 1000 || ms > 3600_000))
      throw new DomainError('invalid', 'entryWindowMs: between 1000 and 3600000');
    this.ctx.log.append({ type: 'access.settings-changed', actor: by, method: 'console', data: { ...settings } });
    Object.assign(this.rules.options, settings);
    this.scheduleRefresh();
    return { ...this.rules.options };
  }

  /** The operator's action that ends fire mode; refused while a panel still reports fire. */
  restoreNormal(by: string, note: string | null): { mode: AccessMode } {
    if (this.mode !== 'fire-open') throw new DomainError('conflict', 'doors are already in normal mode');
    const active = this.activeFirePanels();
    if (active.length) throw new DomainError('conflict', `fire alarm still active at ${active.join(', ')}`);
    this.ctx.log.append({
      type: 'access.mode-changed',
      actor: by,
      method: 'console',
      data: { mode: 'normal', reason: note },
    });
    for (const panel of this.topology.firePanels) {
      const open = this.ctx.alarms.openFor('fire-alarm', panel);
      if (open) this.ctx.alarms.resolve(open.id, by, note ?? 'normal mode restored');
    }
    this.sendMode(this.topology.passageDevices, 'normal');
    return { mode: 'normal' };
  }

  /**
   * After a fire, a witness's roll call for one session: every expert checked in to it, either back (they
   * re-enter through the gate as before) or not (each raises `roll-call-absent`; re-entry needs a witness).
   */
  rollCall(session: string, roll: { present: string[]; absent: string[]; by: string; note: string | null }): void {
    if (this.mode === 'fire-open') throw new DomainError('conflict', 'fire mode is still on: the roll call follows it');
    if (!this.store.rollCallPending(session))
      throw new DomainError('conflict', `no roll call is due for session ${session}`);
    const { room, checkins } = this.sessions.get(session)!;
    const checkedIn = new Set(checkins.map((c) => c.pseudonym));
    const listed = new Set<string>();
    for (const field of ['present', 'absent'] as const)
      for (const [i, p] of roll[field].entries()) {
        if (!checkedIn.has(p))
          throw new DomainError('invalid', `${field}/${i}: "${p}" is not checked in to session ${session}`);
        if (listed.has(p)) throw new DomainError('invalid', `${field}/${i}: "${p}" is listed twice`);
        listed.add(p);
      }
    const missing = [...checkedIn].filter((p) => !listed.has(p));
    if (missing.length)
      throw new DomainError(
        'invalid',
        `present/absent: every checked-in expert is listed; missing ${missing.join(', ')}`,
      );
    this.ctx.log.append({
      type: 'access.roll-call',
      session,
      actor: roll.by,
      method: 'console',
      data: { present: roll.present, absent: roll.absent, note: roll.note },
    });
    for (const p of roll.absent)
      this.ctx.alarms.raise({
        kind: 'roll-call-absent',
        level: 2,
        subject: p,
        session,
        details: { room, by: roll.by },
      });
  }

  private sendMode(devices: readonly string[], mode: AccessMode): void {
    for (const id of devices)
      this.ctx.gateway
        .command(id, 'mode', { mode }, { retain: true })
        .catch((err) => this.ctx.logger.warn({ err, id }, 'mode command failed'));
  }

  // ─── lockers, re-entry, roster ───────────────────────────────────────────

  private locker(
    type: 'locker.deposit' | 'locker.retrieve',
    device: DeviceRecord,
    p: DeviceEventPayload<'locker', 'deposit'>,
  ): void {
    const holder = p.holder;
    // A compartment emptied with no phone on record in it was assigned to nobody: someone opened it by hand.
    const unassigned = type === 'locker.retrieve' && !this.store.depositIn(device.id, p.compartment);
    this.ctx.log.append({
      type,
      actor: holder,
      method: 'locker',
      subject: device.id,
      data: { bank: device.id, compartment: p.compartment, holder },
    });
    if (unassigned)
      this.ctx.alarms.raise({
        kind: 'locker-unassigned-emptied',
        level: 2,
        subject: `${device.id}#${p.compartment}`,
        details: { bank: device.id, compartment: p.compartment, reportedHolder: holder },
      });
    else if (type === 'locker.retrieve') this.checkPhoneRetrieval(holder, device.id, p.compartment);
  }

  /** Phones stay deposited while the holder's session evaluates (or is suspended, pending a resume). */
  private checkPhoneRetrieval(holder: string, bank: string, compartment: number, now = Date.now()): void {
    const evaluating = this.sessions
      .today(now)
      .find((s) => ['in-progress', 'suspended'].includes(s.state) && s.experts.some((e) => e.pseudonym === holder));
    if (!evaluating) return;
    // An expert checked out (签退) of the session takes their phone with them.
    if (checkOutsOf(this.ctx.log, evaluating.id).has(holder)) return;
    this.ctx.alarms.raise({
      kind: 'phone-retrieved',
      level: 2,
      subject: holder,
      session: evaluating.id,
      details: { bank, compartment, room: evaluating.room },
    });
  }

  /** Check-in chose a compartment for the expert's phone: the bank reserves it, so only they can deposit there. */
  private assignLocker(data: EventData<'checkin.accepted'>): void {
    const { locker } = data;
    if (!locker || !this.topology.lockerBanks.includes(locker.bank)) return;
    this.send(locker.bank, 'assign', { compartment: locker.compartment, holder: data.pseudonym });
  }

  /** Check-in held a late expert at the terminal: the witness is called. */
  private lateAtTerminal(e: LoggedEvent): void {
    const session = e.session ? this.sessions.get(e.session) : null;
    if (!session || !e.actor) return;
    this.ctx.alarms.raise({
      kind: 'late-arrival',
      level: 2,
      subject: e.actor,
      session: session.id,
      details: {
        room: session.room,
        terminal: e.data.verifiedBy ?? null,
        lateAfter: lateAfter(session, this.sessions.lateEntryMs),
      },
    });
  }

  /** A witness lets an expert who left the zone during evaluation back in (once). */
  approveReentry(person: string, by: string, note: string | null): void {
    const presence = this.store.presence(person, Date.now());
    if (!presence?.leftDuringEvaluation)
      throw new DomainError('conflict', `${person} has not left the zone during evaluation today`);
    this.ctx.log.append({
      type: 'access.reentry-approved',
      session: presence.session,
      actor: by,
      method: 'console',
      subject: person,
      data: { person, note },
    });
    this.ctx.alarms.clear('reentry-attempt', person, `re-entry approved by ${by}`);
  }

  enrollStaff(entry: RosterEntry, by: string): void {
    if (entry.fromMin >= entry.toMin) throw new DomainError('invalid', 'to: must be after from');
    if (!entry.days.length || entry.days.some((d) => d < 1 || d > 7))
      throw new DomainError('invalid', 'days: ISO weekdays 1–7');
    this.ctx.log.append({
      type: 'access.staff-enrolled',
      actor: by,
      method: 'console',
      subject: entry.person,
      data: {
        role: entry.role,
        days: entry.days,
        fromMin: entry.fromMin,
        toMin: entry.toMin,
        allRooms: entry.allRooms,
      },
    });
  }

  removeStaff(person: string, by: string): void {
    if (!this.store.rosterEntry(person)) throw new DomainError('not-found', `${person} is not on the staff roster`);
    this.ctx.log.append({ type: 'access.staff-removed', actor: by, method: 'console', subject: person });
  }

  // ─── timers ──────────────────────────────────────────────────────────────

  /** Raises entry-window-timeout for checked-in experts who did not reach their room in time. */
  sweepEntryWindows(now = Date.now()): void {
    for (const session of this.sessions.today(now)) {
      if (!['checkin-open', 'in-progress', 'suspended'].includes(session.state)) continue;
      for (const c of session.checkins) {
        const deadline = this.rules.roomDeadline(session, c.pseudonym, c.at);
        if (now <= deadline) continue;
        const presence = this.store.presence(c.pseudonym, now);
        if (presence?.roomEnteredAt != null || presence?.windowAlarmed) continue;
        this.ctx.alarms.raise({
          kind: 'entry-window-timeout',
          level: 2,
          subject: c.pseudonym,
          session: session.id,
          details: { room: session.room, checkedInAt: c.at, deadline },
        });
      }
    }
  }

  private scheduleRefresh(): void {
    if (this.refreshPending) return;
    this.refreshPending = setTimeout(() => {
      this.refreshPending = null;
      this.refreshNow();
    }, 100);
    this.refreshPending.unref();
  }

  private refreshNow(): void {
    this.allowLists.refresh().catch((err) => this.ctx.logger.error({ err }, 'allow-list refresh failed'));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.logger.error({ err }, 'access background task failed');
    }
  }
}
