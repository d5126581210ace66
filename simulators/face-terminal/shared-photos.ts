import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/**
 * The shared test photos (never copied into the repo): `$HALLEDGE_FACES`, else `shared/faces` beside the
 * repository (CI's layout) or beside its worktree folder (developers' layout).
 */
export function facesDir(): string {
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  const candidates = [process.env.HALLEDGE_FACES, join(repo, '../shared/faces'), join(repo, '../../shared/faces')];
  const found = candidates.find((dir): dir is string => !!dir && existsSync(join(dir, 'lfw')));
  if (!found) throw new Error(`shared face photos not found (tried ${candidates.filter(Boolean).join(', ')})`);
  return found;
}

export type PhotoSet = 'lfw' | 'bbt';

export function identities(set: PhotoSet): string[] {
  return readdirSync(join(facesDir(), set)).sort();
}

/** The identity's photo files, in numeric order. */
export function photoFiles(set: PhotoSet, identity: string): string[] {
  const dir = join(facesDir(), set, identity);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
    .map((f) => join(dir, f));
}

export function photo(set: PhotoSet, identity: string, index = 0): Buffer {
  const file = photoFiles(set, identity)[index];
  if (!file) throw new Error(`no photo ${index} for ${set}/${identity}`);
  return readFileSync(file);
}

/** A 640×480 camera frame with each given face crop enlarged to `faceSide` px, side by side. */
export async function cameraFrame(faces: Buffer[], faceSide = 220): Promise<Buffer> {
  const gap = Math.floor((640 - faces.length * faceSide) / (faces.length + 1));
  const tiles = await Promise.all(faces.map((f) => sharp(f).resize(faceSide, faceSide).toBuffer()));
  return sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 118, g: 124, b: 131 } } })
    .composite(tiles.map((input, i) => ({ input, left: gap + i * (faceSide + gap), top: 130 })))
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A 640×480 picture with no face: a smooth gradient with a few shapes (the circle moves with `variant`). */
export async function faceless(variant = 0): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#5a7"/><stop offset="1" stop-color="#cd8"/></linearGradient></defs>
    <rect width="640" height="480" fill="url(#g)"/><rect x="80" y="300" width="200" height="120" fill="#734"/>
    <circle cx="${480 - variant * 20}" cy="140" r="70" fill="#fe6"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}

/** The first half of a photo's bytes: a JPEG cut off mid-stream, as a broken upload would be. */
export function truncated(image: Buffer): Buffer {
  return image.subarray(0, Math.floor(image.length / 2));
}

/**
 * Frames as a terminal sends them: each with its capture time, spread evenly over `spreadMs` (the edge wants at
 * least a second between the first and the last frame with a face) and ending at `end`.
 */
export function timedFrames(
  images: Buffer[],
  end = Date.now(),
  spreadMs = 1200,
): { image: Buffer; capturedAt: number }[] {
  const gap = images.length > 1 ? Math.ceil(spreadMs / (images.length - 1)) : 0;
  return images.map((image, i) => ({ image, capturedAt: end - (images.length - 1 - i) * gap }));
}
