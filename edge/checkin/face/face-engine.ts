import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { finishedWithin } from '../../shutdown-step.ts';
import { FaceError, type FaceErrorCode } from './face-errors.ts';
import { sniffImage } from './image-sniff.ts';

export type Point = [number, number];

/** One face found in an image; landmarks and descriptor only when it was the image's only face. */
export interface FaceObservation {
  score: number;
  box: { x: number; y: number; width: number; height: number };
  /** The 68 landmark points, in the image's pixel coordinates. */
  landmarks?: Point[];
  /** The face's descriptor (unit length) by the engine's first embedder, on the landmark-aligned face. */
  descriptor?: number[];
  /** The descriptor by each of the engine's embedders (the first is `descriptor`). */
  descriptors?: Partial<Record<Embedder, number[]>>;
  /** Variance of the Laplacian of the upright 112×112 face chip: low for a blurred or tiny face. */
  sharpness?: number;
}

/**
 * How a face becomes a descriptor (face-api's ResNet, 128-d, scaled to length 1): `face-api-aligned` (the
 * default) on the crop turned upright by a similarity transform from the landmarks (roll corrected), or
 * `face-api` on face-api's own axis-aligned crop (kept to measure the difference: `npm run bench -- checkin`).
 * Distances are comparable only between descriptors of one embedder.
 */
export type Embedder = 'face-api-aligned' | 'face-api';

/**
 * Where an image comes from: a `reference` (ID-card chip photo, enrolment photo) is analysed once and ahead of
 * time; a `camera` frame is analysed while the expert waits at the terminal.
 */
export type ImageSource = 'reference' | 'camera';

/** `ssd` (SSD MobileNet v1) or `tiny` (Tiny Face Detector, about a third of SSD's time on wasm). */
export type Detector = 'ssd' | 'tiny';

export interface ImageAnalysis {
  width: number;
  height: number;
  faces: FaceObservation[];
  /** The detector whose faces these are. */
  detector: Detector;
  /** Time the worker spent decoding and running the networks. */
  workerMs: number;
}

/** A face that can be matched: the image held exactly one. */
export interface DescribedFace extends FaceObservation {
  landmarks: Point[];
  descriptor: number[];
  sharpness: number;
}

export interface FaceEngineOptions {
  /** Worker threads, one per core by default: each runs one single-threaded tfjs backend. */
  workers?: number;
  /**
   * The first detector on camera frames: `tiny` (the default) with SSD confirming any frame where Tiny does
   * not see exactly one face, or `ssd` alone. Reference photos use SSD, and Tiny where SSD sees no face.
   */
  cameraDetector?: Detector;
  /**
   * The side Tiny scales an image to (a multiple of 32). A kiosk face in a 640×480 frame is 150–250 px wide,
   * 50–90 px at 224, which Tiny finds as well as at 320 in under half the time; a face too small for it goes
   * to SSD (Tiny then sees none), which costs time, never a wrong refusal.
   */
  tinyInputSize?: number;
  minConfidence?: number;
  /** Descriptor networks, the first giving `descriptor`; more only to compare them (the bench). */
  embedders?: Embedder[];
  /** Images larger than this are refused before decoding. */
  maxBytes?: number;
  /** Decoded size limit (a small file can still decode to a huge bitmap). */
  maxInputPixels?: number;
  /** Requests waiting for a worker beyond this are refused as busy instead of piling up. */
  maxQueue?: number;
}

/** A face whose descriptor is still to be computed: the worker sent its upright 150×150 chip instead. */
type WorkerFace = FaceObservation & { chip?: Float32Array };

type WorkerReply =
  | { ready: true; backend: string }
  | { id: number; ok: true; width: number; height: number; faces: WorkerFace[]; detector: Detector; ms: number }
  | { id: number; ok: true; descriptor: number[]; ms: number }
  | { id: number; ok: false; code: FaceErrorCode; detail: string };

/**
 * A worker's task: analyse an image (decode, detect, landmarks, chip), or describe a chip another worker cut.
 * Splitting the descriptor off lets an attempt's frames share the workers in smaller pieces: 3 frames on 2
 * workers wait for about one and a half frames' time instead of two.
 */
type Task = { image: Uint8Array; source: ImageSource } | { chip: Float32Array };

interface Job {
  id: number;
  task: Task;
  field: string;
  resolve(reply: Extract<WorkerReply, { ok: true }>): void;
  reject(err: Error): void;
}

interface PoolWorker {
  worker: Worker;
  job: Job | null;
}

/** How long close() waits for the jobs in hand, then for the workers to end. */
const CLOSE_WAIT_MS = 5_000;

const WORKER_FILE = fileURLToPath(new URL('./face-worker.mjs', import.meta.url));
const MODEL_DIR = fileURLToPath(new URL('../../../node_modules/@vladmandic/face-api/model', import.meta.url));

/**
 * Face detection, 68-point landmarks and descriptors on a pool of worker threads (tfjs wasm or tfjs-node), so the
 * event loop never blocks on a network and every core works. Models load once per worker, at start.
 */
export class FaceEngine {
  private readonly pool: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  /** The tfjs backend the workers run: `wasm`, or `tensorflow` where tfjs-node is installed. */
  backend = 'unknown';
  private closed = false;
  /** Answers not yet given (queued or in a worker's hands): what close() lets finish. */
  private readonly unanswered = new Set<Promise<unknown>>();
  private readonly options: Required<FaceEngineOptions>;

  private constructor(options: FaceEngineOptions) {
    this.options = {
      workers: options.workers ?? availableParallelism(),
      cameraDetector: options.cameraDetector ?? 'tiny',
      tinyInputSize: options.tinyInputSize ?? 224,
      minConfidence: options.minConfidence ?? 0.5,
      embedders: options.embedders ?? ['face-api-aligned'],
      maxBytes: options.maxBytes ?? 10 * 1024 * 1024,
      maxInputPixels: options.maxInputPixels ?? 40_000_000,
      maxQueue: options.maxQueue ?? 64,
    };
  }

  /** Starts the workers and resolves once every one has loaded its models. */
  static async start(options: FaceEngineOptions = {}): Promise<FaceEngine> {
    const engine = new FaceEngine(options);
    try {
      await Promise.all(Array.from({ length: engine.options.workers }, () => engine.spawn()));
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  get size(): number {
    return this.pool.length;
  }

  get cameraDetector(): Detector {
    return this.options.cameraDetector;
  }

  get tinyInputSize(): number {
    return this.options.tinyInputSize;
  }

  /** Finds the faces in a JPEG or PNG; bad input is a FaceError naming `field`. */
  analyze(
    image: Uint8Array,
    field = 'image',
    contentType?: string,
    source: ImageSource = 'reference',
  ): Promise<ImageAnalysis> {
    if (this.closed) return Promise.reject(new FaceError('engine-failure', field, 'engine closed'));
    try {
      sniffImage(image, field, this.options, contentType);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.queue.length >= this.options.maxQueue) return Promise.reject(new FaceError('busy', field));
    // A private copy: the worker gets it transferred, and the caller's buffer may be pooled.
    return this.run({ image: new Uint8Array(image), source }, field, 'last').then(async (reply) => {
      if (!('faces' in reply)) throw new FaceError('engine-failure', field, 'unexpected reply');
      let workerMs = reply.ms;
      const faces = await Promise.all(
        reply.faces.map(async ({ chip, ...face }) => {
          if (!chip) return face;
          // The descriptor goes first in the queue: it finishes an analysis already under way.
          const described = await this.run({ chip }, field, 'first');
          if (!('descriptor' in described)) throw new FaceError('engine-failure', field, 'unexpected reply');
          workerMs += described.ms;
          return {
            ...face,
            descriptor: described.descriptor,
            descriptors: { 'face-api-aligned': described.descriptor },
          };
        }),
      );
      return { width: reply.width, height: reply.height, faces, detector: reply.detector, workerMs };
    });
  }

  private run(task: Task, field: string, place: 'first' | 'last'): Promise<Extract<WorkerReply, { ok: true }>> {
    const answer = new Promise<Extract<WorkerReply, { ok: true }>>((resolve, reject) => {
      const job = { id: this.nextId++, task, field, resolve, reject };
      if (place === 'first') this.queue.unshift(job);
      else this.queue.push(job);
      this.dispatch();
    });
    this.unanswered.add(answer);
    const settled = () => void this.unanswered.delete(answer);
    answer.then(settled, settled);
    return answer;
  }

  /** The image's one face with its descriptor; no face or several faces is a FaceError. */
  async describeSingleFace(
    image: Uint8Array,
    field = 'image',
    contentType?: string,
    source: ImageSource = 'reference',
  ): Promise<DescribedFace> {
    const analysis = await this.analyze(image, field, contentType, source);
    return singleFace(analysis, field);
  }

  /**
   * Stops the workers: queued jobs are refused, the ones in hand may finish first. Terminating a worker in the middle
   * of native decoding (sharp) or a wasm computation lasts as long as that work does, so both waits are bounded.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new FaceError('engine-failure', job.field, 'engine closed'));
    await finishedWithin(CLOSE_WAIT_MS, Promise.allSettled([...this.unanswered]));
    await finishedWithin(CLOSE_WAIT_MS, Promise.all(this.pool.splice(0).map((p) => p.worker.terminate())));
  }

  private spawn(): Promise<void> {
    const worker = new Worker(WORKER_FILE, {
      workerData: {
        modelDir: MODEL_DIR,
        cameraDetector: this.options.cameraDetector,
        tinyInputSize: this.options.tinyInputSize,
        minConfidence: this.options.minConfidence,
        embedders: this.options.embedders,
        maxInputPixels: this.options.maxInputPixels,
      },
    });
    const slot: PoolWorker = { worker, job: null };
    return new Promise((resolve, reject) => {
      worker.on('message', (reply: WorkerReply) => {
        if ('ready' in reply) {
          this.backend = reply.backend;
          this.pool.push(slot);
          resolve();
          this.dispatch();
          return;
        }
        const job = slot.job;
        slot.job = null;
        if (job) {
          if (reply.ok) job.resolve(reply);
          else {
            job.reject(new FaceError(reply.code, job.field, reply.detail));
          }
        }
        this.dispatch();
      });
      worker.on('error', (err) => {
        reject(err);
        this.replace(slot, err);
      });
      // A worker that ends by itself (out of memory, a crash in native code) is replaced like one that threw.
      worker.on('exit', (code) => {
        const err = new Error(`face worker exited with code ${code}`);
        reject(err);
        if (!this.closed) this.replace(slot, err);
      });
    });
  }

  /** A worker that died fails its job, and a fresh one takes its place. */
  private replace(slot: PoolWorker, err: Error): void {
    const index = this.pool.indexOf(slot);
    if (index < 0) return;
    this.pool.splice(index, 1);
    slot.job?.reject(new FaceError('engine-failure', slot.job.field, err.message));
    slot.job = null;
    if (!this.closed) this.spawn().catch(() => {});
  }

  private dispatch(): void {
    for (const slot of this.pool) {
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      const bytes = 'image' in job.task ? job.task.image : job.task.chip;
      slot.worker.postMessage({ id: job.id, ...job.task }, [bytes.buffer as ArrayBuffer]);
    }
  }
}

export function singleFace(analysis: ImageAnalysis, field: string): DescribedFace {
  if (analysis.faces.length === 0) throw new FaceError('no-face', field);
  if (analysis.faces.length > 1) throw new FaceError('several-faces', field, `${analysis.faces.length} faces`);
  return analysis.faces[0] as DescribedFace;
}
