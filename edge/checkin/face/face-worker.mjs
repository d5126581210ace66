// One face-analysis worker: tfjs on the wasm backend, face-api models loaded once, sharp for decoding.
// Plain ESM because worker_threads cannot load .ts entry files under tsx/vitest here; the typed side is
// face-engine.ts, which owns the message shapes (AnalyzeRequest / WorkerReply) this file answers.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { arcfaceChip, faceApiChip, invertSimilarity, laplacianVariance, warpChip } from './face-align.mjs';

const require = createRequire(import.meta.url);

/** tfjs-node (native libtensorflow) when it is installed; it cannot be installed offline, so wasm otherwise. */
function hasTfjsNode() {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}
const native = hasTfjsNode();
const faceapi = require(
  native ? '@vladmandic/face-api/dist/face-api.node.js' : '@vladmandic/face-api/dist/face-api.node-wasm.js',
);
const sharp = require('sharp');
const tf = faceapi.tf;

const { modelDir, embedders, cameraDetector, tinyInputSize, minConfidence, maxInputPixels } = workerData;
/** Camera frames larger than this are scaled down first: SSD sees 512×512 anyway. */
const MAX_SIDE = 1280;
/** Tight portrait crops (ID-card chip photos are 102×126) get a border, else the detector misses the face. */
const PORTRAIT_SIDE = 320;
const TINY_MIN_SCORE = 0.3;

// libvips has its own thread pool per process; the workers are the parallelism, so keep it to one thread each.
sharp.concurrency(1);
sharp.cache(false);

await tf.setBackend(native ? 'tensorflow' : 'wasm');
await tf.ready();
await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);

/** Side of the chip the sharpness is measured on (the quality gate's thresholds are for this side). */
const QUALITY_SIDE = 112;

/**
 * The descriptor networks, by name. Each takes the image's RGB pixels and the face's 68 landmarks (in those
 * pixels' coordinates) and returns a descriptor. The two are compared by `BENCH_CHECKIN_LEVERS=1 npm run
 * bench -- checkin` (docs/checkin.md, levers).
 */
const EMBEDDERS = {
  // face-api's own path: the axis-aligned square around eyes and mouth, 150×150, dlib's ResNet-29 (128-d).
  'face-api': async ({ input, face }) => {
    const [chip] = await faceapi.extractFaceTensors(input, [face.alignedRect]);
    try {
      return await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(chip);
    } finally {
      chip.dispose();
    }
  },
  // The same network and crop geometry, but the crop turned by the head's roll (similarity transform).
  'face-api-aligned': async ({ pixels, landmarks }) => {
    const chip = chipTensor(pixels, faceApiChip(landmarks, 150), 150);
    try {
      return await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(chip);
    } finally {
      chip.dispose();
    }
  },
};

/** The upright chip as a [side, side, 3] float tensor. */
function chipTensor(pixels, imageToChip, side) {
  return tf.tensor3d(
    warpChip(pixels.data, pixels.width, pixels.height, invertSimilarity(imageToChip), side),
    [side, side, 3],
    'float32',
  );
}

/** Descriptors are compared as unit vectors: scaled to length 1. */
function unit(values) {
  let norm = 0;
  for (const v of values) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  return Array.from(values, (v) => v / norm);
}

const ssd = new faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: 10 });
// Tiny scores run lower than SSD's: at 0.5 it missed 13 % of the LFW camera frames, at 0.3 1 %. A false
// second face costs only an SSD pass (below), never a refusal.
const tiny = new faceapi.TinyFaceDetectorOptions({ inputSize: tinyInputSize, scoreThreshold: TINY_MIN_SCORE });
// A reference photo is looked at by Tiny only where SSD saw no face, ahead of time: at 320, its face found as
// often as the bench measured (docs/checkin.md), whatever the camera frames' input size.
const tinyOnReference = new faceapi.TinyFaceDetectorOptions({ inputSize: 320, scoreThreshold: TINY_MIN_SCORE });

/**
 * Reference photos (chip photos, enrolment) go through SSD MobileNet v1 (Tiny below): they are analysed once and
 * ahead of time. Camera frames, where the expert waits, go through the Tiny detector first — a third of
 * SSD's time on wasm — and SSD has the last word whenever Tiny does not see exactly one face, so a refusal
 * ("no face", "several faces") never rests on the faster, weaker detector alone.
 */
async function detect(input, source) {
  if (source === 'camera' && cameraDetector === 'tiny') {
    const found = await faceapi.detectAllFaces(input, tiny);
    if (found.length === 1) return { detections: found, detector: 'tiny' };
  }
  const detections = await faceapi.detectAllFaces(input, ssd);
  // A reference photo holds a face by construction (an ID-card chip photo, an enrolment photo), and SSD at
  // its confidence misses some of them (6.5 % of the LFW photos): Tiny looks again, and a face only it sees
  // is taken. Matching still has to pass, so a false face here can only refuse, never admit.
  if (source === 'reference' && detections.length === 0) {
    const found = await faceapi.detectAllFaces(input, tinyOnReference);
    if (found.length === 1) return { detections: found, detector: 'tiny' };
  }
  return { detections, detector: 'ssd' };
}

class InputError extends Error {
  constructor(code, detail) {
    super(detail);
    this.code = code;
  }
}

/** Maps libvips' words to our error codes, so the terminal can be told why. */
function decodeError(err) {
  const text = String(err?.message ?? err);
  if (/pixel limit/i.test(text)) return new InputError('too-large', text);
  if (/premature end|truncated|corrupt|unexpected end|not enough data|read error|marker/i.test(text))
    return new InputError('truncated', text);
  return new InputError('not-image', text);
}

async function decode(bytes) {
  let meta;
  try {
    meta = await sharp(bytes, { limitInputPixels: maxInputPixels }).metadata();
  } catch (err) {
    throw decodeError(err);
  }
  if (meta.format !== 'jpeg' && meta.format !== 'png')
    throw new InputError('not-image', `format ${meta.format} is not JPEG or PNG`);
  const side = Math.min(meta.width ?? 0, meta.height ?? 0);
  if (side < 32) throw new InputError('too-small', `${meta.width}×${meta.height} pixels, at least 32×32 needed`);
  try {
    let image = sharp(bytes, { failOn: 'warning', limitInputPixels: maxInputPixels }).rotate();
    const longest = Math.max(meta.width, meta.height);
    const scale = longest > MAX_SIDE ? MAX_SIDE / longest : 1;
    if (scale < 1) image = image.resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside' });
    let pad = 0;
    if (side <= PORTRAIT_SIDE) {
      pad = longest;
      // extend() must follow a materialised image: chaining it after rotate() would reorder the ops.
      image = sharp(await image.toBuffer()).extend({
        top: pad,
        bottom: pad,
        left: pad,
        right: pad,
        background: { r: 128, g: 128, b: 128 },
      });
    }
    const { data, info } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { data, info, pad, scale };
  } catch (err) {
    throw decodeError(err);
  }
}

async function analyze(bytes, source) {
  const { data, info, pad, scale } = await decode(bytes);
  const size = {
    width: Math.round((info.width - 2 * pad) / scale),
    height: Math.round((info.height - 2 * pad) / scale),
  };
  const toOriginal = (x, y) => [(x - pad) / scale, (y - pad) / scale];
  const input = tf.tensor3d(
    new Uint8Array(data.buffer, data.byteOffset, data.length),
    [info.height, info.width, 3],
    'int32',
  );
  try {
    const { detections, detector } = await detect(input, source);
    const boxOf = (d) => {
      const [x, y] = toOriginal(d.box.x, d.box.y);
      return { x, y, width: d.box.width / scale, height: d.box.height / scale };
    };
    if (detections.length !== 1) {
      return { ...size, detector, faces: detections.map((d) => ({ score: d.score, box: boxOf(d) })) };
    }
    // Landmarks align the face before the descriptor is computed (without alignment false matches soar).
    const parent = Promise.resolve(detections.map((d) => faceapi.extendWithFaceDetection({}, d)));
    const [face] = await new faceapi.DetectAllFaceLandmarksTask(parent, input, false);
    const landmarks = face.landmarks.positions.map((p) => [p.x, p.y]);
    const pixels = { data, width: info.width, height: info.height };
    const descriptors = {};
    // With the aligned embedder alone, the descriptor is left to whichever worker is free next (`describe`): the
    // upright chip goes back instead, so an attempt's frames spread over the workers in smaller pieces.
    const deferred = embedders.length === 1 && embedders[0] === 'face-api-aligned';
    const chip = deferred
      ? warpChip(data, info.width, info.height, invertSimilarity(faceApiChip(landmarks, 150)), 150)
      : null;
    if (!deferred)
      for (const name of embedders) descriptors[name] = unit(await EMBEDDERS[name]({ input, face, pixels, landmarks }));
    const sharpChip = warpChip(
      data,
      info.width,
      info.height,
      invertSimilarity(arcfaceChip(landmarks, QUALITY_SIDE)),
      QUALITY_SIDE,
    );
    return {
      ...size,
      detector,
      faces: [
        {
          score: face.detection.score,
          box: boxOf(face.detection),
          landmarks: landmarks.map(([x, y]) => toOriginal(x, y)),
          ...(chip ? { chip } : { descriptor: descriptors[embedders[0]], descriptors }),
          sharpness: laplacianVariance(sharpChip, QUALITY_SIDE),
        },
      ],
    };
  } finally {
    input.dispose();
  }
}

// One warm-up pass: the first run of each network compiles its kernels and would otherwise cost a check-in.
const blank = tf.zeros([160, 160, 3], 'int32');
await faceapi.detectAllFaces(blank, ssd);
await faceapi.detectAllFaces(blank, tiny);
await faceapi.detectAllFaces(blank, tinyOnReference);
await faceapi.nets.faceLandmark68Net.detectLandmarks(blank);
await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(blank);
const blankPixels = { data: new Uint8Array(160 * 160 * 3), width: 160, height: 160 };
const blankLandmarks = Array.from({ length: 68 }, (_, i) => [40 + (i % 9) * 10, 40 + Math.floor(i / 9) * 10]);
for (const name of embedders) {
  if (name !== 'face-api') await EMBEDDERS[name]({ pixels: blankPixels, landmarks: blankLandmarks });
}
blank.dispose();

/** The descriptor of an upright 150×150 chip another worker cut (analyze, deferred). */
async function describe(chip) {
  const tensor = tf.tensor3d(chip, [150, 150, 3], 'float32');
  try {
    return { descriptor: unit(await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(tensor)) };
  } finally {
    tensor.dispose();
  }
}

parentPort.on('message', async ({ id, image, source, chip }) => {
  const started = performance.now();
  try {
    const result = chip
      ? await describe(chip)
      : await analyze(Buffer.from(image.buffer, image.byteOffset, image.byteLength), source);
    const transfer = result.faces?.[0]?.chip ? [result.faces[0].chip.buffer] : [];
    parentPort.postMessage({ id, ok: true, ...result, ms: performance.now() - started }, transfer);
  } catch (err) {
    const code = err instanceof InputError ? err.code : 'engine-failure';
    parentPort.postMessage({ id, ok: false, code, detail: String(err?.message ?? err) });
  }
});
parentPort.postMessage({ ready: true, backend: tf.getBackend() });
