import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Board } from '../../devices/display/contract.ts';
import type { VenueContext } from '../context.ts';
import { DomainError } from '../domain-error.ts';
import type { EvaluationSession } from '../sessions/model.ts';
import type { SessionService } from '../sessions/session-service.ts';
import { type BoardSession, board, roomBoard } from './board.ts';
import { type ConfidentialNames, NameGuard } from './name-guard.ts';
import { type NoticeTemplate, renderNotice } from './notice-templates.ts';

/** A display: a room board (one room) or the hall board (every evaluation room). */
interface DisplayTarget {
  id: string;
  kind: Board['kind'];
  rooms: { id: string; name: string }[];
}

export interface Notice {
  noticeId: string;
  text: string;
  level: 'info' | 'reminder';
}

/** What a witness asks to show: a template with seat numbers or pseudonyms, or free text (checked for names). */
export interface NoticeInput {
  target: string;
  template?: NoticeTemplate;
  params?: Record<string, string | number>;
  text?: string;
  level?: Notice['level'];
  by: string;
}

export interface NoticeReport extends Notice {
  target: string;
  delivered: string[];
  undelivered: { display: string; error: string }[];
}

/**
 * Evaluation-info push (评标信息推送): keeps every room board and the hall board showing the current session
 * of its room(s). Content goes out as a retained MQTT command, so a display that reboots shows the right
 * board at once; the same content feeds the display web page.
 */
export class DisplayService extends EventEmitter<{ content: [string, Board]; notice: [string[], Notice] }> {
  private readonly displays: DisplayTarget[];
  private readonly shown = new Map<string, { key: string; board: Board; version: number }>();
  private timer: NodeJS.Timeout | null = null;
  private names = new NameGuard();

  constructor(
    private readonly ctx: VenueContext,
    private readonly sessions: SessionService,
    private readonly options: { resyncMs?: number; ackTimeoutMs?: number } = {},
  ) {
    super();
    const rooms = ctx.venue.zones.filter((z) => z.type === 'evaluation-room').map((z) => ({ id: z.id, name: z.name }));
    this.displays = ctx.venue.devices
      .filter((d) => d.kind === 'display')
      .map((d) => {
        const room = d.room ? rooms.find((r) => r.id === d.room) : undefined;
        return room ? { id: d.id, kind: 'room' as const, rooms: [room] } : { id: d.id, kind: 'hall' as const, rooms };
      });
  }

  /** Where experts' real names are kept: every notice and project code is checked against them. */
  guardNames(source: ConfidentialNames): void {
    this.names = new NameGuard(source);
    this.refresh();
  }

  start(): void {
    this.sessions.on('changed', this.onSessionChanged);
    // Services start before the bus: every (re)connection of the bus pushes every board again (retained).
    this.ctx.bus.on('connection', this.onBusConnection);
    // Displays tick their timers themselves; a periodic resync corrects drift and picks up the day's next session.
    this.timer = setInterval(() => this.refresh(true), this.options.resyncMs ?? 300_000);
    this.timer.unref();
  }

  stop(): void {
    this.sessions.off('changed', this.onSessionChanged);
    this.ctx.bus.off('connection', this.onBusConnection);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  list(): { id: string; kind: Board['kind']; rooms: string[]; version: number; board: Board }[] {
    return this.displays.map((d) => {
      const shown = this.shown.get(d.id) ?? this.build(d);
      return { id: d.id, kind: d.kind, rooms: d.rooms.map((r) => r.id), version: shown.version, board: shown.board };
    });
  }

  /** The board a display shows now (for the web page's first paint). */
  boardOf(displayId: string): Board {
    const display = this.displays.find((d) => d.id === displayId);
    if (!display) throw new DomainError('not-found', `display: no display "${displayId}"`);
    return this.shown.get(displayId)?.board ?? this.build(display).board;
  }

  /** Recomputes every board and pushes those whose content changed (or all, with `force`). */
  refresh(force = false): void {
    for (const display of this.displays) this.push(display, force);
  }

  private readonly onBusConnection = (up: boolean): void => {
    if (up) this.refresh(true);
  };

  private readonly onSessionChanged = (sessionId: string): void => {
    const room = this.sessions.get(sessionId)?.room;
    for (const display of this.displays) if (display.rooms.some((r) => r.id === room)) this.push(display, false);
  };

  private build(display: DisplayTarget, now = Date.now()): { key: string; board: Board; version: number } {
    const rooms = display.rooms
      .map((room) => roomBoard(room, this.currentOf(room.id, now), now))
      // A project code that carries an expert's name shows with the name masked.
      .map((r) => (r.projectCode ? { ...r, projectCode: this.names.mask(r.projectCode) } : r));
    // The key leaves out the ticking timers: a board is re-sent when what it says changes, not every second.
    const key = JSON.stringify(rooms.map(({ elapsedS: _e, remainingS: _r, ...fixed }) => fixed));
    return { key, board: board(display.kind, rooms, now), version: (this.shown.get(display.id)?.version ?? 0) + 1 };
  }

  private push(display: DisplayTarget, force: boolean): void {
    const next = this.build(display);
    if (!force && this.shown.get(display.id)?.key === next.key) return;
    this.shown.set(display.id, next);
    this.emit('content', display.id, next.board);
    this.ctx.gateway
      .command(display.id, 'content', { version: next.version, board: next.board }, { retain: true })
      .then((ack) => {
        if (!ack.ok) this.ctx.logger.debug({ display: display.id, error: ack.error }, 'display content not acked');
      })
      .catch((err) => this.ctx.logger.warn({ err, display: display.id }, 'display content not sent'));
  }

  /** The room's session now, or the last one that ended today, with when it went in progress and when it ended. */
  private currentOf(roomId: string, now: number): BoardSession | null {
    const session: EvaluationSession | undefined =
      this.sessions.sessionForRoom(roomId, now) ??
      this.sessions
        .today(now)
        .filter((s) => s.room === roomId && (s.state === 'completed' || s.state === 'archived'))
        .at(-1);
    if (!session) return null;
    const changes = this.ctx.log.query({ session: session.id, type: 'session.state-changed' });
    const firstTo = (states: string[]) =>
      changes.find((e) => typeof e.data.to === 'string' && states.includes(e.data.to))?.at ?? null;
    return { session, startedAt: firstTo(['in-progress']), endedAt: firstTo(['completed', 'cancelled']) };
  }

  /**
   * Pushes a witness's notice to one room's boards (`target` = room id) or to every display (`all`), waits
   * for each display's ack and records the notice and its delivery. The notice is a template that names people
   * by seat number or pseudonym, or free text; either is refused (naming the field) if it carries an expert's
   * real name, before anything is sent or recorded.
   */
  async notify(input: NoticeInput): Promise<NoticeReport> {
    const targets =
      input.target === 'all'
        ? this.displays
        : this.displays.filter((d) => d.kind === 'room' && d.rooms[0]!.id === input.target);
    if (!targets.length)
      throw new DomainError('not-found', `target: no room board for "${input.target}" (a room id or "all")`);
    if ((input.template === undefined) === (input.text === undefined))
      throw new DomainError('invalid', 'template: give a template (with params) or text, not both');
    const seats = input.target === 'all' ? null : this.seatsOf(input.target);
    const rendered =
      input.template !== undefined
        ? renderNotice(input.template, input.params ?? {}, seats)
        : { text: input.text!.trim(), field: 'text' };
    if ('error' in rendered) throw new DomainError('invalid', rendered.error);
    const { text, field } = rendered;
    if (!text) throw new DomainError('invalid', 'text: a notice needs text');
    if (this.names.namesIn(text).length)
      throw new DomainError(
        'invalid',
        `${field}: carries an expert's name; displays never show names — use a template with the seat number or pseudonym`,
      );
    const notice: Notice = { noticeId: randomUUID(), text, level: input.level ?? 'info' };
    const ids = targets.map((d) => d.id);
    this.ctx.log.append({
      type: 'display.notice',
      actor: input.by,
      subject: input.target,
      data: { ...notice, template: input.template ?? null, displays: ids },
    });
    this.emit('notice', ids, notice);
    const acks = await Promise.all(
      ids.map((id) =>
        // A display the registry knows is offline is reported at once instead of waiting for its ack.
        !this.ctx.registry.get(id)?.online
          ? { id, ack: { ok: false, error: 'display offline' } }
          : this.ctx.gateway
              .command(id, 'notice', { ...notice }, { timeoutMs: this.options.ackTimeoutMs ?? 5000 })
              .then((ack) => ({ id, ack }))
              .catch((err: Error) => ({ id, ack: { ok: false, error: err.message } })),
      ),
    );
    const report: NoticeReport = {
      ...notice,
      target: input.target,
      delivered: acks.filter((a) => a.ack.ok).map((a) => a.id),
      undelivered: acks
        .filter((a) => !a.ack.ok)
        .map((a) => ({ display: a.id, error: a.ack.error ?? 'not acknowledged' })),
    };
    this.ctx.log.append({
      type: 'display.notice-delivered',
      actor: 'system',
      subject: input.target,
      data: { noticeId: notice.noticeId, delivered: report.delivered, undelivered: report.undelivered },
    });
    return report;
  }

  /** Seat ids of a room, from the venue file. */
  private seatsOf(room: string): string[] {
    return this.ctx.venue.zones.find((z) => z.id === room)?.seats?.map((s) => s.id) ?? [];
  }

  /** A display web page confirms it showed a notice. */
  acknowledgeNotice(noticeId: string, displayId: string): void {
    this.ctx.log.append({
      type: 'display.notice-acked',
      actor: `web:${displayId}`,
      subject: displayId,
      data: { noticeId, via: 'web' },
    });
  }
}
