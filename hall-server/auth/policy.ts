import { ALL_ROLES, type Role } from './roles.ts';

/**
 * Who may call a route. A route says it in its options — `config: { roles: ['administrator'] }`,
 * `config: { open: 'public' | 'device' }`, `config: { audit: true }` — and routes that do not are governed by
 * the table below (so capabilities built before sign-in existed are guarded without editing them).
 *
 * - Everything outside /api (the built pages, /health, /ready, /docs) is open: pages hold no data.
 * - `open: 'public'`: anyone — sign-in, and what the venue's screens without a user need (a display board's live
 *   content, which is what the screen shows the hall anyway and never has names; the city platform's signed
 *   downlink, verified by sync; a kiosk exchanging its one-time pairing code).
 * - `open: 'terminal'`: an enrolled check-in terminal (its credential in `Authorization: Terminal <credential>`,
 *   edge/checkin/terminal-registry.ts) or a signed-in user with the rule's roles — the kiosk's check-in calls.
 * - `audit: true`: a privileged view; each call is recorded as `audit.viewed` with the user as actor.
 *   Every call that changes something (POST/PUT/PATCH/DELETE) by a user is recorded as `audit.action`.
 */
export interface AccessRule {
  roles: readonly Role[];
  open?: 'public' | 'terminal';
  audit?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    roles?: readonly Role[];
    open?: 'public' | 'terminal';
    audit?: boolean;
  }
}

/** Roles that may read the venue's record (the event log) in full. */
export const RECORD_READERS: readonly Role[] = ['administrator', 'witness', 'auditor'];
const FLOOR_STAFF: readonly Role[] = ['administrator', 'witness'];

type Method = 'read' | 'write';
interface TableRule extends AccessRule {
  method: Method;
  /** Route pattern as registered, e.g. `/api/sessions/:id/state`; matches it and the routes under it. */
  prefix: string;
}

/** First match wins, so specific prefixes come before general ones. */
const TABLE: readonly TableRule[] = [
  { method: 'write', prefix: '/api/checkin/id-card', roles: FLOOR_STAFF, open: 'terminal' },
  { method: 'write', prefix: '/api/checkin/face', roles: FLOOR_STAFF, open: 'terminal' },
  { method: 'write', prefix: '/api/checkin/prewarm', roles: FLOOR_STAFF, open: 'terminal' },
  { method: 'read', prefix: '/api/checkin/terminal', roles: FLOOR_STAFF, open: 'terminal' },
  { method: 'write', prefix: '/api/checkin/terminals/pair', roles: ALL_ROLES, open: 'public' },
  { method: 'read', prefix: '/api/checkin/terminals', roles: ['administrator'] },
  { method: 'write', prefix: '/api/checkin/terminals', roles: ['administrator'] },
  { method: 'read', prefix: '/api/displays/:id/live', roles: ALL_ROLES, open: 'public' },
  { method: 'write', prefix: '/api/sync/downlink', roles: ALL_ROLES, open: 'public' },
  { method: 'read', prefix: '/api/auth/users', roles: ['administrator'], audit: true },
  { method: 'write', prefix: '/api/auth/users', roles: ['administrator'] },
  { method: 'read', prefix: '/api/events', roles: RECORD_READERS, audit: true },
  { method: 'read', prefix: '/api/access/events', roles: RECORD_READERS, audit: true },
  { method: 'read', prefix: '/api/sessions/:id/history', roles: RECORD_READERS, audit: true },
  { method: 'read', prefix: '/api/sessions/:id/record', roles: RECORD_READERS, audit: true },
  { method: 'read', prefix: '/api/tracking/trajectories', roles: RECORD_READERS, audit: true },
  { method: 'read', prefix: '/api/tracking/stays', roles: RECORD_READERS, audit: true },
  { method: 'read', prefix: '/api/video', roles: ALL_ROLES, audit: true },
  // Device alarms are the operator's daily work; people alarms the witness's.
  { method: 'write', prefix: '/api/alarms/', roles: ['administrator', 'witness', 'operator'] },
  { method: 'write', prefix: '/api/sessions/:id/state', roles: FLOOR_STAFF },
  { method: 'write', prefix: '/api/sessions', roles: ['administrator'] },
  { method: 'write', prefix: '/api/access/reentry', roles: FLOOR_STAFF },
  { method: 'write', prefix: '/api/access/normal-mode', roles: ['administrator', 'witness', 'operator'] },
  { method: 'write', prefix: '/api/tracking/badges', roles: FLOOR_STAFF },
  { method: 'write', prefix: '/api/tracking/population', roles: FLOOR_STAFF },
  { method: 'write', prefix: '/api/checkin', roles: FLOOR_STAFF },
  { method: 'write', prefix: '/api/intercom', roles: FLOOR_STAFF },
  { method: 'write', prefix: '/api/displays/notices', roles: FLOOR_STAFF },
  { method: 'read', prefix: '/api/', roles: ALL_ROLES },
  { method: 'write', prefix: '/api/', roles: ['administrator'] },
];

const isRead = (method: string) => method === 'GET' || method === 'HEAD';
const under = (route: string, prefix: string) =>
  route === prefix || route.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);

/** The rule for a route (its own config first), or null for routes outside /api, which are open. */
export function accessRule(
  method: string,
  route: string,
  config: { roles?: readonly Role[]; open?: 'public' | 'terminal'; audit?: boolean },
): AccessRule | null {
  if (config.open === 'public') return { roles: ALL_ROLES, open: 'public' };
  if (!route.startsWith('/api/') && !config.roles) return null;
  const kind: Method = isRead(method) ? 'read' : 'write';
  const row = TABLE.find((r) => r.method === kind && under(route, r.prefix));
  if (config.roles) return { roles: config.roles, audit: config.audit ?? row?.audit };
  return { roles: row!.roles, open: row!.open, audit: config.audit ?? row!.audit };
}

export { isRead };
