import type { Db } from '../../edge/store/database.ts';
import { type EventRow, type LoggedEvent, rowToEvent } from '../../edge/store/event-log.ts';
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from './audit-actions.ts';

/**
 * The audit trail: who viewed, replayed, exported or saw names, read from the record (the guard's `audit.*`
 * events, the tracking replays, the evidence exports), newest first, filtered by person, action, session and time.
 */

/** Reads that replay the session: footage, its markers, calls, its whole record (audit.viewed with these routes). */
const REPLAY_ROUTES = [
  '/api/video/replay/:session',
  '/api/video/replay/:session/events',
  '/api/video/replay/:session/segments/:segment',
  '/api/sessions/:id/calls/:call/recording',
  '/api/sessions/:id/record',
];
const routeIsReplay = `json_extract(data, '$.route') IN (${REPLAY_ROUTES.map((r) => `'${r}'`).join(', ')})`;

/** Each action: the event types it is made of and, for `audit.viewed`, whether the route replays. */
const ACTION_RULES: Record<AuditAction, { types: readonly string[]; replayRoute?: boolean }> = {
  replayed: { types: ['tracking.trajectory-viewed', 'audit.viewed'], replayRoute: true },
  viewed: { types: ['audit.viewed'], replayRoute: false },
  exported: { types: ['evidence.exported'] },
  names: { types: ['audit.names-viewed'] },
  denied: { types: ['audit.denied'] },
  changed: {
    types: [
      'audit.action',
      'audit.user-created',
      'audit.user-changed',
      'audit.password-changed',
      'audit.name-recorded',
    ],
  },
  'signed-in': { types: ['audit.signed-in', 'audit.signed-out', 'audit.sign-in-failed'] },
};

/** One action's condition in SQL (types are constants of this module, never input). */
function actionSql(action: AuditAction): string {
  const { types, replayRoute } = ACTION_RULES[action];
  if (replayRoute === undefined) return `type IN (${types.map((t) => `'${t}'`).join(', ')})`;
  const viewed = `(type = 'audit.viewed' AND ${replayRoute ? '' : 'NOT '}${routeIsReplay})`;
  const others = types.filter((t) => t !== 'audit.viewed');
  return others.length ? `(${viewed} OR type IN (${others.map((t) => `'${t}'`).join(', ')}))` : viewed;
}

/** The action an audit event stands for. */
export function actionOf(event: Pick<LoggedEvent, 'type' | 'data'>): AuditAction | null {
  if (event.type === 'audit.viewed') return REPLAY_ROUTES.includes(String(event.data.route)) ? 'replayed' : 'viewed';
  return AUDIT_ACTIONS.find((a) => ACTION_RULES[a].types.includes(event.type)) ?? null;
}

/**
 * The session an audit event concerns: its own session, or the session a route was asked about (a replay's
 * `:session`, a `/api/sessions/:id/…` route's `:id`, a `?session=` query).
 */
const SESSION_SQL = `(session = @session
  OR json_extract(data, '$.params.session') = @session
  OR json_extract(data, '$.query.session') = @session
  OR (json_extract(data, '$.route') LIKE '/api/sessions/:id%' AND json_extract(data, '$.params.id') = @session))`;

function sessionOf(event: LoggedEvent): string | null {
  if (event.session) return event.session;
  const params = (event.data.params ?? {}) as Record<string, unknown>;
  const query = (event.data.query ?? {}) as Record<string, unknown>;
  const id = String(event.data.route ?? '').startsWith('/api/sessions/:id') ? params.id : undefined;
  const found = params.session ?? query.session ?? id;
  return typeof found === 'string' ? found : null;
}

export interface AuditFilter {
  /** The person who acted (a console username). */
  actor?: string;
  actions?: readonly AuditAction[];
  session?: string;
  /** From this time (epoch ms, inclusive) … */
  from?: number;
  /** … to this time (exclusive). */
  to?: number;
  /** Older than this seq (the next page). */
  before?: number;
  limit?: number;
}

/** The audit events matching the filter, newest first (at most `limit`, default 200). */
export function auditTrail(db: Db, filter: AuditFilter = {}): AuditEntry[] {
  const actions = filter.actions?.length ? filter.actions : AUDIT_ACTIONS;
  const where = [`(${actions.map(actionSql).join(' OR ')})`];
  if (filter.actor !== undefined) where.push('actor = @actor');
  if (filter.session !== undefined) where.push(SESSION_SQL);
  if (filter.from !== undefined) where.push('at >= @from');
  if (filter.to !== undefined) where.push('at < @to');
  if (filter.before !== undefined) where.push('seq < @before');
  const rows = db.prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`).all({
    actor: filter.actor,
    session: filter.session,
    from: filter.from,
    to: filter.to,
    before: filter.before,
    limit: filter.limit ?? 200,
  }) as EventRow[];
  return rows.map(rowToEvent).map((e) => ({
    seq: e.seq,
    at: e.at,
    type: e.type,
    action: actionOf(e)!,
    actor: e.actor,
    session: sessionOf(e),
    subject: e.subject,
    data: e.data,
  }));
}
