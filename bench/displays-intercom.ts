import type { Board } from '../devices/display/contract.ts';
import { DisplaySimulator } from '../simulators/display/display-simulator.ts';
import { IntercomStationSimulator } from '../simulators/intercom/station-simulator.ts';
import { eventually, startTestVenue, testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

const ROUNDS = 40;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

/**
 * Session change → room board showing it (through the real broker and display simulator), and station call
 * button → call queued at the console, each measured over ROUNDS repetitions.
 */
export async function run(): Promise<BenchRow[]> {
  const edge = await startTestVenue({ venue: testVenue('jincheng') });
  const sim = (id: string, kind: 'display' | 'intercom') => {
    const identity = { venue: edge.venue.id, kind, id, password: edge.deviceCredential(id) };
    const options = { brokerUrl: edge.bus.deviceUrl, heartbeatS: 5 };
    return kind === 'display'
      ? new DisplaySimulator(identity, options)
      : new IntercomStationSimulator(identity, options);
  };
  const board = sim('board-room-1', 'display') as DisplaySimulator;
  const station = sim('ic-room-1', 'intercom') as IntercomStationSimulator;
  try {
    await Promise.all([board.connect(), station.connect()]);
    const { sessions, intercom } = edge.services;
    const now = Date.now();
    sessions.importSchedule(
      [
        {
          id: 'B1',
          transactionCode: 'B-1',
          project: { code: 'P-B1', name: 'bench' },
          room: 'room-1',
          start: now,
          end: now + 3_600_000,
          experts: [{ pseudonym: 'EXP-B' }],
        },
      ],
      { source: 'bench' },
    );
    sessions.transition('B1', 'checkin-open', { by: 'bench' });
    sessions.transition('B1', 'in-progress', { by: 'bench' });
    await eventually(
      () => board.board?.rooms[0]?.state,
      (s) => s === 'evaluating',
    );

    const boardMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const to = i % 2 === 0 ? 'suspended' : 'in-progress';
      const want = to === 'suspended' ? 'paused' : 'evaluating';
      // Timed to the moment the display receives the content command, not to a polling interval.
      const shown = new Promise<void>((resolve) => {
        const onCommand = (name: string, args: Record<string, unknown>) => {
          if (name !== 'content' || (args.board as Board).rooms[0]?.state !== want) return;
          board.off('command', onCommand);
          resolve();
        };
        board.on('command', onCommand);
      });
      const t = performance.now();
      sessions.transition('B1', to, { by: 'bench' });
      await shown;
      boardMs.push(performance.now() - t);
    }

    const callMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const queued = new Promise<string>((resolve) => {
        intercom.once('changed', (call) => resolve(call.id));
      });
      const t = performance.now();
      const callId = await station.call();
      if ((await queued) !== callId) throw new Error('another call was queued');
      callMs.push(performance.now() - t);
      await intercom.hangup(callId, 'console-1');
    }
    return [
      {
        area: 'displays',
        metric: 'session change → room board shows it, p50',
        value: percentile(boardMs, 50),
        unit: 'ms',
      },
      {
        area: 'displays',
        metric: 'session change → room board shows it, p99',
        value: percentile(boardMs, 99),
        unit: 'ms',
      },
      { area: 'intercom', metric: 'call button → queued at console, p50', value: percentile(callMs, 50), unit: 'ms' },
      { area: 'intercom', metric: 'call button → queued at console, p99', value: percentile(callMs, 99), unit: 'ms' },
    ];
  } finally {
    await board.stop();
    await station.stop();
    await edge.stop();
  }
}
