import { Worker } from 'node:worker_threads';
import type { SegmentCheck } from './segment-check.ts';

const WORKER_FILE = new URL('./segment-check.worker.mjs', import.meta.url);

/** What the worker answers for one `{ id, path }`: the check, and the worker's own time on it (ms). */
interface CheckReply {
  id: number;
  check: SegmentCheck;
  ms: number;
}

interface PendingCheck {
  resolve: (check: SegmentCheck) => void;
  reject: (err: Error) => void;
}

/**
 * Runs `checkSegment` (mp4box parse and SHA-256, ~7–10 ms of CPU for a 10 s 1080p segment) in a worker thread, so
 * gate decisions and badge ingest on the edge's event loop never wait on video. One worker serves every recorder
 * and crash recovery: 16 cameras with 10 s segments are 1.6 checks a second, and checks interleave their reads.
 * Indexing and the event log stay on the main thread (SQLite has one writer). The worker starts with the first
 * check and holds the process open only while a check is pending. A worker that dies fails its pending checks —
 * the recorder then records `video.segment-unindexed` and leaves the file to its run's settling — and the next
 * check starts a fresh one.
 */
export class SegmentChecker {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, PendingCheck>();
  private nextId = 0;
  /** Checks answered so far and the worker's time on them, ms: the bench's figure for what left the event loop. */
  readonly spent = { checks: 0, ms: 0 };

  check(path: string): Promise<SegmentCheck> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, path });
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER_FILE);
    worker.unref();
    worker.on('message', ({ id, check, ms }: CheckReply) => {
      const job = this.pending.get(id);
      this.pending.delete(id);
      this.spent.checks++;
      this.spent.ms += ms;
      if (this.pending.size === 0) worker.unref();
      job?.resolve(check);
    });
    const fail = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const job of this.pending.values()) job.reject(err);
      this.pending.clear();
      void worker.terminate();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the segment check worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

/** The edge process's one checker, shared by every recorder and by crash recovery. */
export const segmentChecker = new SegmentChecker();
