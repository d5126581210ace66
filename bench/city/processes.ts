// The city bench's processes: forked TypeScript workers spoken to one request at a time, and what Linux says
// each one uses (/proc), so the hub's CPU and memory are measured apart from the venues generating its load.
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Worker {
  child: ChildProcess;
  /** Sends a request and resolves with the worker's next message. */
  ask<T>(message: object): Promise<T>;
  stop(): Promise<void>;
}

/** Forks bench/city/<file> and waits for its first message (what it says once ready). */
export async function forkWorker<Ready>(file: string, args: string[] = []): Promise<Worker & { ready: Ready }> {
  const child = fork(new URL(`./${file}`, import.meta.url), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const failed = (code: number | null) => reject(new Error(`${file} exited (${code})`));
      child.once('exit', failed);
      child.once('message', (m) => {
        child.off('exit', failed);
        resolve(m as T);
      });
    });
  const ready = await next<Ready>();
  return {
    child,
    ready,
    ask<T>(message: object) {
      const answer = next<T>();
      child.send(message);
      return answer;
    },
    async stop() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

/** CPU seconds a process has used (utime + stime, in clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process, in bytes. */
export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}
