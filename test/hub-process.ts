// The city hub as its own process (city/cli.ts, as `npm run city` runs it), for tests and benches that need
// real hub processes: several over one PostgreSQL, or the hub's CPU apart from the venue's.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../city/cli.ts', import.meta.url));

export interface HubProcess {
  url: string;
  publicKey: string;
  tokens: Record<string, string>;
  /** CPU seconds the process has used (Linux /proc: utime + stime in clock ticks of 1/100 s). */
  cpuSeconds(): number;
  /** SIGTERM (the graceful stop); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the CLI with these flags (`--port 0` is added unless given); resolves once it prints its JSON line. */
export async function startHubProcess(args: string[]): Promise<HubProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, ...(args.includes('--port') ? [] : ['--port', '0']), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    void exited.then((code) => reject(new Error(`city hub exited (${code}) before listening:\n${stderr}`)));
  });
  const started = JSON.parse(line) as { url: string; publicKey: string; tokens: Record<string, string> };
  return {
    ...started,
    cpuSeconds: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
