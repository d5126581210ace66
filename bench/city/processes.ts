// The city bench's processes: forked TypeScript workers spoken to one request at a time, and what Linux says
// each one uses (/proc), so the hub's CPU and memory are measured apart from the venues generating its load.
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** /proc/<pid>/stat after the command: state, ppid, … utime (11), stime, cutime, cstime (14). */
const statFields = (pid: number | string) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');

export const parentPid = (pid: number) => Number(statFields(pid)[1]);

/** Resident memory of a process, in bytes. */
export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

/**
 * CPU seconds of a process tree one level deep — PostgreSQL's postmaster and its backends and helpers: its own
 * time, its reaped children's (backends that have exited), and its running children's.
 */
export function treeCpuSeconds(rootPid: number): number {
  const root = statFields(rootPid);
  let ticks = Number(root[11]) + Number(root[12]) + Number(root[13]) + Number(root[14]);
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const fields = statFields(pid);
      if (Number(fields[1]) === rootPid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process exited between the listing and the read.
    }
  }
  return ticks / 100;
}
