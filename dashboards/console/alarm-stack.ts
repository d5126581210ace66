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
    .sort((a, b) => byUrgency(a.alarm, b.alarm));
}

/** The highest level first, then the newest: the order of every alarm stack (pop-up, 大屏). */
export const byUrgency = (a: Alarm, b: Alarm) => b.level - a.level || b.raisedAt - a.raisedAt;
