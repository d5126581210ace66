import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestVenue, tempDir } from '../../test/venue-harness.ts';
import { acquireWriterLock, DataDirInUseError, type WriterLock } from './writer-lock.ts';

const held: WriterLock[] = [];
afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
});

/** A separate process that takes the lock, says so on stdout and then waits to be killed. */
async function holderProcess(dataDir: string) {
  const module = fileURLToPath(new URL('./writer-lock.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { acquireWriterLock } = await import(${JSON.stringify(module)});
       acquireWriterLock(${JSON.stringify(dataDir)}); console.log('held'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  expect(line.toString()).toContain('held');
  return child;
}

describe('one writer per data directory', () => {
  it('refuses a second writer in the same process, naming the directory and the holder, until the first releases', () => {
    const dir = tempDir();
    const first = acquireWriterLock(dir);
    held.push(first);
    let refusal: unknown;
    try {
      held.push(acquireWriterLock(dir));
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(DataDirInUseError);
    expect((refusal as Error).message).toContain(dir);
    expect((refusal as Error).message).toContain(`pid ${process.pid}`);
    first.release();
    held.push(acquireWriterLock(dir));
  });

  it('refuses while another process holds the lock, and a kill -9 of that process leaves no stale lock', async () => {
    const dir = tempDir();
    const child = await holderProcess(dir);
    expect(() => held.push(acquireWriterLock(dir))).toThrow(DataDirInUseError);
    child.kill('SIGKILL');
    await once(child, 'exit');
    held.push(acquireWriterLock(dir));
  });

  it('a second edge on the same data directory refuses to start; after the first stops it starts', async () => {
    const dataDir = tempDir();
    const first = await startTestVenue({ dataDir });
    try {
      await expect(startTestVenue({ dataDir })).rejects.toThrow(DataDirInUseError);
    } finally {
      await first.stop();
    }
    const second = await startTestVenue({ dataDir });
    await second.stop();
  });
});
