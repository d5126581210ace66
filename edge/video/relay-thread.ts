import { Worker } from 'node:worker_threads';
import type { RtspRelayOptions } from '../../devices/camera/rtsp-relay.ts';

const WORKER_FILE = new URL('./rtsp-relay.worker.mjs', import.meta.url);

/** What the relay thread is asked (rtsp-relay.worker.mjs answers it) and what each request answers. */
interface Requests {
  wait: { args: { path: string; ms: number }; result: undefined };
  sessions: { args: { path: string }; result: { publishing: boolean; players: number } };
  unpublish: { args: { path: string }; result: undefined };
  stop: { args: Record<never, never>; result: undefined };
}
type Op = keyof Requests;

type Reply = { listening: number } | { id: number; result?: unknown; error?: string };

interface Pending {
  resolve: (result: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * The edge's loopback RTSP relay (`devices/camera/rtsp-relay.ts`), run in a worker thread (`rtsp-relay.worker.mjs`):
 * every camera stream's packets arrive there from its puller and leave there for the recorder and the live
 * views, so 16 recorded and viewed cameras (~6,000 packets/s) do not share the event loop with gate decisions
 * and badge ingest. The main thread only asks where the relay listens, waits for a stream to be published, and
 * ends a publication. A thread that dies (it should not) is started again: its streams end, as when a camera
 * drops, and the pullers and consumers reconnect to the new one (they ask `url()` at every start).
 */
export class RelayThread {
  private worker!: Worker;
  private listening!: Promise<number>;
  private port = 0;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: RtspRelayOptions = {}) {
    this.spawn();
  }

  /** Resolves with the relay's port once it listens. */
  ready(): Promise<number> {
    return this.listening;
  }

  /** Where a stream is published and played; valid once `ready()` has resolved. */
  url(path: string): string {
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    return `rtsp://${this.options.host ?? '127.0.0.1'}:${this.port}/${encoded}`;
  }

  /** Resolves once the path is published; rejects after `ms`. */
  async waitForPublisher(path: string, ms: number): Promise<void> {
    await this.ask('wait', { path, ms });
  }

  /** Whether the path is published, and how many players read it. */
  sessions(path: string): Promise<{ publishing: boolean; players: number }> {
    return this.ask('sessions', { path });
  }

  /** Ends a path's publication: its publisher and every player are disconnected. */
  unpublish(path: string): void {
    this.ask('unpublish', { path }).catch(() => {}); // a thread gone has no publication left to end
  }

  /** Stops the relay and its thread; a second call waits for the first. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      await this.ask('stop', {}).catch(() => {});
      await this.worker.terminate();
    })();
    return this.stopped;
  }

  private async ask<K extends Op>(op: K, args: Requests[K]['args']): Promise<Requests[K]['result']> {
    await this.listening;
    // A request to a terminated thread would never be answered.
    if (this.stopping && op !== 'stop') throw new Error('the RTSP relay thread is stopped');
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.worker.postMessage({ id, op, ...args });
    });
  }

  private spawn(): void {
    const worker = new Worker(WORKER_FILE, { workerData: this.options });
    this.worker = worker;
    let listened = false;
    this.listening = new Promise<number>((resolve, reject) => {
      worker.on('message', (reply: Reply) => {
        if ('listening' in reply) {
          listened = true;
          this.port = reply.listening;
          resolve(reply.listening);
          return;
        }
        const job = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.error === undefined) job?.resolve(reply.result);
        else job?.reject(new Error(reply.error));
      });
      const died = (err: Error) => {
        if (this.worker !== worker) return;
        reject(err);
        for (const job of this.pending.values()) job.reject(err);
        this.pending.clear();
        // Only a thread that ran is replaced: one that cannot start would not start the next time either.
        if (listened && !this.stopping) this.spawn();
      };
      worker.on('error', died);
      worker.on('exit', (code) => died(new Error(`the RTSP relay thread exited with code ${code}`)));
    });
    this.listening.catch(() => {}); // a failed start is answered to whoever awaits it
  }
}
