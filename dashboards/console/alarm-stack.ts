import type { Alarm } from './types.ts';

/** An alarm raised while this console is open; `sound` tells whether it rang. */
export interface RaisedHere {
  alarm: Alarm;
  sound: boolean;
}

/**
 * The pop-up's stack: alarms raised while the console is open that nobody has taken on yet (acknowledged,
 * resolved or cleared), the highest level on top and, within a level, the newest — so a 严重 alarm is never
 * pushed under a later 较重 one.
 */
export function alarmStack(raised: readonly RaisedHere[], current: readonly Alarm[]): RaisedHere[] {
  const stateOf = new Map(current.map((a) => [a.id, a.state]));
  return raised
    .filter((r) => (stateOf.get(r.alarm.id) ?? 'raised') === 'raised')
    .sort((a, b) => b.alarm.level - a.alarm.level || b.alarm.raisedAt - a.alarm.raisedAt);
}

/** The room an alarm is about: its session's room, the device's room, or a room named in its details. */
export function roomOf(
  alarm: Alarm,
  sessions: readonly { id: string; room: string }[],
  devices: readonly { id: string; room?: string | null }[],
): string | null {
  const session = alarm.session ? sessions.find((s) => s.id === alarm.session) : null;
  if (session) return session.room;
  const device = devices.find((d) => d.id === alarm.subject);
  if (device?.room) return device.room;
  const room = alarm.details.room;
  return typeof room === 'string' ? room : null;
}
