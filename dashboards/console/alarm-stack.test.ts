import { describe, expect, it } from 'vitest';
import { alarmStack } from './alarm-stack.ts';
import type { Alarm } from './types.ts';

const alarm = (id: string, level: Alarm['level'], raisedAt: number, state: Alarm['state'] = 'raised'): Alarm => ({
  id,
  kind: 'k',
  level,
  subject: 's',
  session: null,
  state,
  details: {},
  raisedAt,
  acknowledgedBy: null,
  acknowledgedAt: null,
  resolvedBy: null,
  resolvedAt: null,
  note: null,
});
const here = (a: Alarm) => ({ alarm: a, sound: true });

describe('alarm pop-up stack', () => {
  it.each([
    ['a later 较重 stays under an earlier 严重', [alarm('a', 3, 1), alarm('b', 2, 2)], [], ['a', 'b']],
    ['within a level the newest is on top', [alarm('a', 2, 1), alarm('b', 2, 2)], [], ['b', 'a']],
    ['a 一般 never tops a 较重', [alarm('a', 2, 1), alarm('b', 1, 5), alarm('c', 3, 3)], [], ['c', 'a', 'b']],
    [
      'an acknowledged alarm leaves the stack',
      [alarm('a', 3, 1), alarm('b', 2, 2)],
      [alarm('a', 3, 1, 'acknowledged')],
      ['b'],
    ],
    ['a resolved (cleared) alarm leaves the stack', [alarm('a', 3, 1)], [alarm('a', 3, 1, 'resolved')], []],
    ['still raised in the list: kept', [alarm('a', 1, 1)], [alarm('a', 1, 1)], ['a']],
  ] as const)('%s', (_name, raised, current, order) => {
    expect(alarmStack(raised.map(here), current).map((r) => r.alarm.id)).toEqual(order);
  });
});
