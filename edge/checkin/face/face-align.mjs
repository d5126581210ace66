// Face alignment and image measures on raw pixels, shared by the worker (which cannot load .ts) and the tests.
// Types: face-align.d.mts. Pure functions: no tfjs, no I/O.

/** Image-left eye centre (landmarks 36–41), image-right eye centre (42–47), nose tip, mouth corners. */
export function fivePoints(landmarks) {
  const mean = (from, to) => {
    let x = 0;
    let y = 0;
    for (let i = from; i < to; i++) {
      x += landmarks[i][0];
      y += landmarks[i][1];
    }
    return [x / (to - from), y / (to - from)];
  };
  return [mean(36, 42), mean(42, 48), landmarks[30], landmarks[48], landmarks[54]];
}

/** The head's roll in degrees: the angle of the eye line against the horizontal (positive: clockwise on screen). */
export function rollDegrees(landmarks) {
  const [left, right] = fivePoints(landmarks);
  return (Math.atan2(right[1] - left[1], right[0] - left[0]) * 180) / Math.PI;
}

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; no reflection) taking the points
 * `from` onto `to` (Umeyama). Returned as [a, b, tx, ty]: x' = a·x − b·y + tx, y' = b·x + a·y + ty.
 */
export function fitSimilarity(from, to) {
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i][0] / n;
    fy += from[i][1] / n;
    tx += to[i][0] / n;
    ty += to[i][1] / n;
  }
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const x = from[i][0] - fx;
    const y = from[i][1] - fy;
    const u = to[i][0] - tx;
    const v = to[i][1] - ty;
    dot += x * u + y * v;
    cross += x * v - y * u;
    norm += x * x + y * y;
  }
  const a = dot / norm;
  const b = cross / norm;
  return [a, b, tx - (a * fx - b * fy), ty - (b * fx + a * fy)];
}

export function applySimilarity([a, b, tx, ty], [x, y]) {
  return [a * x - b * y + tx, b * x + a * y + ty];
}

export function invertSimilarity([a, b, tx, ty]) {
  const d = a * a + b * b;
  const ia = a / d;
  const ib = -b / d;
  return [ia, ib, -(ia * tx - ib * ty), -(ib * tx + ia * ty)];
}

/**
 * ArcFace's five reference points on its 112×112 chip (insightface), which MobileFaceNet was trained on.
 * Scaled to other chip sides as they are.
 */
const ARCFACE_112 = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** The transform taking image coordinates to an upright ArcFace-layout chip of `side` pixels. */
export function arcfaceChip(landmarks, side) {
  const s = side / 112;
  return fitSimilarity(
    fivePoints(landmarks),
    ARCFACE_112.map(([x, y]) => [x * s, y * s]),
  );
}

/**
 * The transform taking image coordinates to face-api's own chip layout, made upright: face-api crops an
 * axis-aligned square whose side is the eyes-to-mouth distance / 0.45, centred at 50 % / 43 % on the mean of
 * the eye centres and the mouth centre (FaceLandmarks.alignDlib). Here the same square is turned by the
 * head's roll, so a tilted head gives the network the upright face it was trained on.
 */
export function faceApiChip(landmarks, side) {
  const [left, right] = fivePoints(landmarks);
  let mx = 0;
  let my = 0;
  for (let i = 48; i < 68; i++) {
    mx += landmarks[i][0] / 20;
    my += landmarks[i][1] / 20;
  }
  const mouthDist = (p) => Math.hypot(mx - p[0], my - p[1]);
  const size = (mouthDist(left) + mouthDist(right)) / 2 / 0.45;
  const cx = (left[0] + right[0] + mx) / 3;
  const cy = (left[1] + right[1] + my) / 3;
  const angle = Math.atan2(right[1] - left[1], right[0] - left[0]);
  const scale = side / size;
  const a = scale * Math.cos(-angle);
  const b = scale * Math.sin(-angle);
  // The reference centre lands at (0.5, 0.43) of the chip.
  return [a, b, 0.5 * side - (a * cx - b * cy), 0.43 * side - (b * cx + a * cy)];
}

/**
 * Samples an RGB image (interleaved, `width`×`height`) through `toImage` (chip → image coordinates) into a
 * `side`×`side` RGB chip, bilinear, edges clamped. Values stay 0–255.
 */
export function warpChip(rgb, width, height, toImage, side) {
  const out = new Float32Array(side * side * 3);
  const [a, b, tx, ty] = toImage;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      // Pixel centres: sample where the chip pixel's centre falls.
      const sx = Math.min(Math.max(a * (x + 0.5) - b * (y + 0.5) + tx - 0.5, 0), width - 1);
      const sy = Math.min(Math.max(b * (x + 0.5) + a * (y + 0.5) + ty - 0.5, 0), height - 1);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, width - 1);
      const y1 = Math.min(y0 + 1, height - 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (y * side + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = rgb[(y0 * width + x0) * 3 + c] * (1 - fx) + rgb[(y0 * width + x1) * 3 + c] * fx;
        const bottom = rgb[(y1 * width + x0) * 3 + c] * (1 - fx) + rgb[(y1 * width + x1) * 3 + c] * fx;
        out[o + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

/**
 * Sharpness of a square RGB chip: the variance of the 4-neighbour Laplacian of its grey values. A blurred
 * face has little high-frequency energy and a low value; it depends on the chip's side, so compare chips of
 * one side only.
 */
export function laplacianVariance(chip, side) {
  const grey = new Float32Array(side * side);
  for (let i = 0; i < side * side; i++) {
    grey[i] = 0.299 * chip[i * 3] + 0.587 * chip[i * 3 + 1] + 0.114 * chip[i * 3 + 2];
  }
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < side - 1; y++) {
    for (let x = 1; x < side - 1; x++) {
      const i = y * side + x;
      const l = grey[i - 1] + grey[i + 1] + grey[i - side] + grey[i + side] - 4 * grey[i];
      sum += l;
      sumSq += l * l;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}
