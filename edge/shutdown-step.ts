import type { Logger } from 'pino';

/**
 * Runs one step of a graceful stop within a deadline. A step that hangs (a client that never finishes its upload,
 * a broker that never answers) must not hold the whole stop: systemd would kill the edge before the recorders
 * index their last segments and the record is settled. Past the deadline the step is named in the log, `onLate`
 * may force it (close the remaining connections), and the stop goes on.
 */
export async function stopWithin(
  logger: Logger,
  step: string,
  deadlineMs: number,
  run: () => Promise<unknown> | unknown,
  onLate?: () => void,
): Promise<void> {
  try {
    if (!(await finishedWithin(deadlineMs, Promise.resolve().then(run)))) {
      logger.error({ step, deadlineMs }, 'shutdown step did not finish in time; going on');
      onLate?.();
    }
  } catch (err) {
    logger.error({ err, step }, 'shutdown step failed; going on');
  }
}

/** Waits for `work`, but no longer than `ms`: true when it settled in time (its failure is thrown). */
export async function finishedWithin(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
