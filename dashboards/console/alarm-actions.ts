import type { Alarm, Role } from './types.ts';

/**
 * What a console user may do about an alarm, beside acknowledging and resolving it: the witness actions that settle
 * it at its source (docs/sessions-access.md, Rules). Each posts the witness's note to the route that owns the rule;
 * the edge then clears the alarm itself.
 */
export interface AlarmAction {
  /** data-action in the page, and the key of its label in action-messages.ts. */
  id: 'acknowledge' | 'resolve' | 'approve-reentry' | 'approve-late' | 'refuse-late' | 'end-fire-mode';
  path: string;
  body: (note: string) => Record<string, unknown>;
}

const FLOOR_STAFF: readonly Role[] = ['administrator', 'witness'];
const ALARM_HANDLERS: readonly Role[] = ['administrator', 'witness', 'operator'];

export function alarmActions(alarm: Alarm, role: Role | undefined): AlarmAction[] {
  if (!role || !ALARM_HANDLERS.includes(role) || alarm.state === 'resolved') return [];
  const floor = FLOOR_STAFF.includes(role);
  const actions: AlarmAction[] = [];
  if (floor && alarm.kind === 'reentry-attempt')
    actions.push({
      id: 'approve-reentry',
      path: '/api/access/reentry',
      body: (note) => ({ person: alarm.subject, note }),
    });
  if (floor && alarm.kind === 'late-arrival' && alarm.session) {
    const path = `/api/sessions/${encodeURIComponent(alarm.session)}/late-arrivals/${encodeURIComponent(alarm.subject)}`;
    actions.push({ id: 'approve-late', path, body: (note) => ({ approve: true, note }) });
    actions.push({ id: 'refuse-late', path, body: (note) => ({ approve: false, note }) });
  }
  if (alarm.kind === 'fire-alarm')
    actions.push({ id: 'end-fire-mode', path: '/api/access/normal-mode', body: (note) => ({ note }) });
  if (alarm.state === 'raised')
    actions.push({ id: 'acknowledge', path: `/api/alarms/${alarm.id}/acknowledge`, body: (note) => ({ note }) });
  actions.push({ id: 'resolve', path: `/api/alarms/${alarm.id}/resolve`, body: (note) => ({ note }) });
  return actions;
}
