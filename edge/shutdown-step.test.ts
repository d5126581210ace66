import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stopWithin } from './shutdown-step.ts';

function capturingLogger() {
  const lines: { step?: string; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('a graceful stop step', () => {
  afterEach(() => vi.useRealTimers());

  it('goes on past its deadline, naming the step and forcing it', async () => {
    vi.useFakeTimers();
    const { logger, lines } = capturingLogger();
    const forced = vi.fn();
    const done = stopWithin(logger, 'http server', 5_000, () => new Promise(() => {}), forced);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(forced).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(forced).toHaveBeenCalledOnce();
    expect(lines).toMatchObject([{ step: 'http server', msg: 'shutdown step did not finish in time; going on' }]);
  });

  it('logs a failing step and goes on; a step in time is not forced', async () => {
    const { logger, lines } = capturingLogger();
    const forced = vi.fn();
    await stopWithin(logger, 'module video', 1_000, () => Promise.reject(new Error('ffmpeg gone')), forced);
    await stopWithin(logger, 'bus', 1_000, () => undefined, forced);
    expect(forced).not.toHaveBeenCalled();
    expect(lines).toMatchObject([{ step: 'module video', msg: 'shutdown step failed; going on' }]);
    expect(lines).toHaveLength(1);
  });
});
