import { describe, expect, it } from 'vitest';
import { AlarmEngine } from '../alerts/alarms.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import {
  type ClockReading,
  clockJump,
  DEFAULT_CLOCK_LIMITS,
  judgeClock,
  parseChronyTracking,
  parseTimedatectl,
} from './clock-state.ts';
import { ClockWatch } from './clock-watch.ts';

const chrony = (offsetMs: number, synchronised = true): ClockReading => ({ source: 'chrony', synchronised, offsetMs });
const MIN = 60_000;

describe('host clock rule', () => {
  it.each([
    ['in step', chrony(3), null, 0, 'ok'],
    ['fast beyond 1 s', chrony(1500), null, 0, 'drift'],
    ['slow beyond 1 s', chrony(-2000), null, 0, 'drift'],
    ['unsynced, within the grace', chrony(0, false), 0, 9 * MIN, 'ok'],
    ['unsynced past the grace', chrony(0, false), 0, 11 * MIN, 'unsynchronised'],
    ['no time daemon', { source: 'none', synchronised: false, offsetMs: null }, 0, 60 * MIN, 'unknown'],
    ['timesyncd synced (no offset)', { source: 'timesyncd', synchronised: true, offsetMs: null }, null, 0, 'ok'],
  ] as const)('%s → %s', (_name, reading, since, now, state) => {
    expect(judgeClock(reading, since, now, DEFAULT_CLOCK_LIMITS).state).toBe(state);
  });

  it('reads chrony and timedatectl output', () => {
    // chronyc -c tracking; 0.25 s correction = the system clock is 250 ms slow.
    const line =
      'C0A80001,192.168.0.1,3,1765000000.1,0.250000000,-0.000001,0.000020,-12.3,0.001,0.05,0.01,0.002,64.2,Normal';
    expect(parseChronyTracking(line)).toEqual({ source: 'chrony', synchronised: true, offsetMs: -250 });
    expect(parseChronyTracking(line.replace('Normal', 'Not synchronised'))?.synchronised).toBe(false);
    expect(parseChronyTracking('garbage')).toBeNull();
    expect(parseTimedatectl('Timezone=Asia/Shanghai\nNTPSynchronized=no\n')).toEqual({
      source: 'timesyncd',
      synchronised: false,
      offsetMs: null,
    });
  });
});

describe('clock watch', () => {
  it('raises clock-drift while the clock is off, records each change of verdict, and clears when it is back', async () => {
    const log = new EventLog(openDatabase(':memory:'), 'test');
    const alarms = new AlarmEngine(log);
    let reading = chrony(5);
    let now = 0;
    const watch = new ClockWatch({ log, alarms, read: async () => reading, now: () => now });

    expect((await watch.check()).state).toBe('ok');
    reading = chrony(4000);
    now += MIN;
    expect((await watch.check()).state).toBe('drift');
    expect(watch.suspect).toBe(true);
    await watch.check(); // still off: no second alarm, no second record
    expect(alarms.list({ state: 'open' }).map((a) => [a.kind, a.level, a.subject])).toEqual([
      ['clock-drift', 2, 'host-clock'],
    ]);

    reading = chrony(2);
    now += MIN;
    expect((await watch.check()).state).toBe('ok');
    expect(alarms.list({ state: 'open' })).toEqual([]);
    expect(log.query({ typePrefix: 'clock.' }).map((e) => (e.data as { verdict: string }).verdict)).toEqual([
      'ok',
      'drift',
      'ok',
    ]);
  });
});

describe('wall clock jumps', () => {
  it.each([
    ['both clocks advance together', { wall: 10_000, mono: 5_000 }, null],
    ['slewed by 200 ms', { wall: 10_200, mono: 5_000 }, null],
    ['set forwards an hour', { wall: 3_610_000, mono: 5_000 }, 3_600_000],
    ['set backwards 5 s', { wall: 5_000, mono: 5_000 }, -5_000],
  ] as const)('%s → %s', (_name, after, jump) => {
    expect(clockJump({ wall: 8_000, mono: 3_000 }, after)).toBe(jump);
  });

  it('records a jump with its size and raises clock-drift; events keep their order by sequence', () => {
    const log = new EventLog(openDatabase(':memory:'), 'test');
    const alarms = new AlarmEngine(log);
    let pair = { wall: 1_000_000, mono: 0 };
    const watch = new ClockWatch({ log, alarms, read: async () => chrony(0), pair: () => pair });
    expect(watch.watchJumps()).toBeNull(); // the first reading only sets the baseline
    pair = { wall: 1_002_000, mono: 2_000 };
    expect(watch.watchJumps()).toBeNull();
    log.append({ type: 'edge.started', data: { bus: 'before', http: 'before' } });
    pair = { wall: 994_000, mono: 4_000 }; // set back 10 s
    expect(watch.watchJumps()).toBe(-10_000);
    log.append({ type: 'edge.stopped' });
    const types = log.query({}).map((e) => e.type);
    expect(types.indexOf('edge.started')).toBeLessThan(types.indexOf('clock.jumped'));
    expect(types.indexOf('clock.jumped')).toBeLessThan(types.indexOf('edge.stopped'));
    expect(log.query({ type: 'clock.jumped' })[0]!.data).toEqual({ byMs: -10_000 });
    expect(alarms.openFor('clock-drift', 'host-clock')?.details).toMatchObject({ verdict: 'jumped-backwards' });
  });
});
