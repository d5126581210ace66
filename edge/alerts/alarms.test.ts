import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { AlarmEngine } from './alarms.ts';

const engine = () => {
  const log = new EventLog(openDatabase(':memory:'), 'test');
  return { log, alarms: new AlarmEngine(log) };
};

describe('alarm engine: dedup and flap suppression', () => {
  it('one open alarm per kind and subject', () => {
    const { alarms } = engine();
    const first = alarms.raise({ kind: 'held-open', level: 2, subject: 's' });
    const again = alarms.raise({ kind: 'held-open', level: 2, subject: 's' });
    expect(first.raised).toBe(true);
    expect(again).toMatchObject({ raised: false, alarm: { id: first.alarm.id } });
  });

  it('reopens an alarm the system cleared within reopenWithinMs instead of raising a new one', () => {
    const { alarms, log } = engine();
    const t = 1_000_000;
    const a = alarms.raise({ kind: 'held-open', level: 2, subject: 's', at: t }).alarm;
    alarms.acknowledge(a.id, 'w1', 'seen');
    alarms.clear('held-open', 's', 'condition ended');
    const back = alarms.raise({ kind: 'held-open', level: 2, subject: 's', reopenWithinMs: 60_000 });
    expect(back).toMatchObject({ raised: false, reopened: true });
    expect(back.alarm).toMatchObject({
      id: a.id,
      state: 'raised',
      reopened: 1,
      acknowledgedBy: null,
      resolvedBy: null,
    });
    expect(log.query({ type: 'alarm.reopened' })).toHaveLength(1);
    // A person's resolution is final: the next occurrence is a new alarm.
    alarms.resolve(a.id, 'w1', 'handled');
    const next = alarms.raise({ kind: 'held-open', level: 2, subject: 's', reopenWithinMs: 60_000 });
    expect(next.raised).toBe(true);
    expect(next.alarm.id).not.toBe(a.id);
  });

  it('raises a new alarm when the clearance is older than the window', () => {
    const { alarms } = engine();
    const a = alarms.raise({ kind: 'held-open', level: 1, subject: 's' }).alarm;
    alarms.clear('held-open', 's', 'ended');
    const later = alarms.raise({
      kind: 'held-open',
      level: 1,
      subject: 's',
      reopenWithinMs: 1,
      at: Date.now() + 10_000,
    });
    expect(later.raised).toBe(true);
    expect(later.alarm.id).not.toBe(a.id);
  });
});
