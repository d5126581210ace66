// The demo's faces on any machine: people found at start in the sample photos that ship inside the
// @vladmandic/face-api npm package (node_modules/@vladmandic/face-api/demo/sample1–6.jpg, group photos in which
// the same few people appear several times). Nothing is cut by hand or copied into the repository: the faces
// are detected, described and grouped by person each time the demo starts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { worthASecondLook } from '../edge/checkin/checkin-service.ts';
import { type DescribedFace, FaceEngine, type ImageAnalysis } from '../edge/checkin/face/face-engine.ts';
import { qualityProblems } from '../edge/checkin/face/face-quality.ts';
import { DEFAULT_POLICY, euclidean, verifyOneToOne } from '../edge/checkin/match-policy.ts';
import { DEFAULT_PRESENTATION } from '../edge/checkin/presentation.ts';
import { cameraFrame, facesDir, photo } from './face-terminal/shared-photos.ts';

/**
 * One person the demo can play: an ID-card chip photo cut from one picture, and two camera frames of the same
 * person from another picture, placed a little apart as someone standing at the kiosk moves.
 */
export interface CastMember {
  name: string;
  chipPhoto: Buffer;
  frames: [Buffer, Buffer];
}

export interface DemoCast {
  /** Where the faces came from, for the demo's banner and docs. */
  source: 'face-api samples' | 'shared photos';
  members: CastMember[];
  /** A chip photo of somebody who is none of the members: the impostor's card. */
  stranger: Buffer;
}

/** The sample photos inside the installed @vladmandic/face-api package. */
export function faceApiSampleFiles(): string[] {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
  return readdirSync(dir)
    .filter((f) => /^sample\d+\.jpg$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** A face found in a sample photo, cut out with its box grown by half on each side (as a chip photo is framed). */
interface FoundFace {
  photo: number;
  crop: Buffer;
  reference: DescribedFace;
}

const only = (analysis: ImageAnalysis) => (analysis.faces.length === 1 ? (analysis.faces[0] as DescribedFace) : null);

async function facesIn(engine: FaceEngine, file: string, photo: number): Promise<FoundFace[]> {
  const bytes = readFileSync(file);
  const { faces } = await engine.analyze(bytes, file);
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const found = await Promise.all(
    faces.map(async ({ box }): Promise<FoundFace | null> => {
      const left = Math.max(0, Math.round(box.x - box.width / 2));
      const top = Math.max(0, Math.round(box.y - box.height / 2));
      const crop = await sharp(bytes)
        .extract({
          left,
          top,
          width: Math.min(width - left, Math.round(box.width * 2)),
          height: Math.min(height - top, Math.round(box.height * 2)),
        })
        .jpeg({ quality: 92 })
        .toBuffer();
      const reference = only(await engine.analyze(crop, 'crop'));
      return reference ? { photo, crop, reference } : null;
    }),
  );
  return found.filter((f): f is FoundFace => f !== null);
}

/**
 * Two 640×480 camera frames of one face crop, the face about 200 px wide near the centre as at a kiosk, the second
 * a little larger and to the right.
 */
async function framesOf(crop: Buffer): Promise<[Buffer, Buffer]> {
  const frame = async (side: number, left: number) =>
    sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 118, g: 124, b: 131 } } })
      .composite([{ input: await sharp(crop).resize(side, side).toBuffer(), left, top: 40 }])
      .jpeg({ quality: 90 })
      .toBuffer();
  return [await frame(400, 110), await frame(420, 120)];
}

/**
 * Would the edge accept this chip photo with these frames? The check-in's own rules (match policy, replay
 * distances) on the frames as the edge analyses them, with a margin so that a different load or backend does not
 * tip the outcome.
 */
const MARGIN = 0.01;

function accepted(chip: DescribedFace, frames: DescribedFace[]): boolean {
  if (frames.some((f) => qualityProblems(f).length > 0)) return false;
  const policy = { ...DEFAULT_POLICY, threshold: DEFAULT_POLICY.threshold - MARGIN };
  const [a, b] = frames.map((f) => f.descriptor) as [number[], number[]];
  const { referenceReplayDistance, frameReplayDistance } = DEFAULT_PRESENTATION;
  return (
    verifyOneToOne(chip.descriptor, [a, b], policy).match &&
    Math.min(euclidean(a, chip.descriptor), euclidean(b, chip.descriptor)) > referenceReplayDistance + MARGIN &&
    euclidean(a, b) > frameReplayDistance + MARGIN
  );
}

/**
 * The people of face-api's sample photos, found with a one-worker face engine of the demo's own: every pair of
 * faces from two different photos close enough to be one person (nearest first) is tried as chip photo and
 * frames, and kept when the edge would accept it; each face plays once. The stranger is the face furthest from
 * the first member.
 */
export async function faceApiSampleCast(): Promise<Omit<DemoCast, 'source'> | null> {
  const engine = await FaceEngine.start({ workers: 1 });
  try {
    const faces = (await Promise.all(faceApiSampleFiles().map((file, i) => facesIn(engine, file, i)))).flat();
    const distance = (a: FoundFace, b: FoundFace) => euclidean(a.reference.descriptor, b.reference.descriptor);
    const pairs = faces
      .flatMap((a, i) => faces.slice(i + 1).map((b) => [a, b] as const))
      .filter(([a, b]) => a.photo !== b.photo && distance(a, b) <= DEFAULT_POLICY.threshold)
      .sort((p, q) => distance(...p) - distance(...q));
    const used = new Set<FoundFace>();
    const members: (CastMember & { chip: FoundFace })[] = [];
    for (const [a, b] of pairs) {
      for (const [chip, seen] of [
        [a, b],
        [b, a],
      ] as const) {
        if (used.has(chip) || used.has(seen)) continue;
        const frames = await framesOf(seen.crop);
        const analysed = await Promise.all(frames.map((f) => engine.analyze(f, 'frame', undefined, 'camera')));
        // Where the check-in would have SSD look for a second person, so does the choice.
        const crowded = await Promise.all(
          frames.map(async (f, i) => worthASecondLook(analysed[i]!) && (await engine.analyze(f)).faces.length > 1),
        );
        const described = crowded.some(Boolean) ? [] : analysed.map(only);
        if (
          described.length === 2 &&
          described.every((d) => d !== null) &&
          accepted(chip.reference, described as DescribedFace[])
        ) {
          used.add(chip).add(seen);
          members.push({ name: `face-api sample ${members.length + 1}`, chipPhoto: chip.crop, frames, chip });
        }
      }
    }
    const first = members[0];
    if (!first) return null;
    const stranger = faces
      .filter((f) => !used.has(f))
      .sort((p, q) => distance(q, first.chip) - distance(p, first.chip))[0];
    if (!stranger || distance(stranger, first.chip) <= DEFAULT_POLICY.threshold + MARGIN) return null;
    return { members: members.map(({ chip: _, ...m }) => m), stranger: stranger.crop };
  } finally {
    await engine.close();
  }
}

/** The shared LFW photos, where the repository sits beside them (`../shared/faces`). */
async function sharedCast(): Promise<Omit<DemoCast, 'source'>> {
  const members = await Promise.all(
    ['Colin_Powell', 'Ariel_Sharon', 'George_W_Bush'].map(async (name) => ({
      name,
      chipPhoto: photo('lfw', name, 0),
      frames: [await cameraFrame([photo('lfw', name, 1)]), await cameraFrame([photo('lfw', name, 2)])] as [
        Buffer,
        Buffer,
      ],
    })),
  );
  return { members, stranger: photo('lfw', 'Donald_Rumsfeld', 0) };
}

/**
 * The demo's cast: the people of face-api's sample photos, else the shared photos where they are present
 * (`sharedFaces: false` leaves them out, as on a fresh clone); an error saying both failed otherwise.
 */
export async function demoCast(options: { sharedFaces?: boolean } = {}): Promise<DemoCast> {
  const samples = await faceApiSampleCast();
  if (samples) return { source: 'face-api samples', ...samples };
  if (options.sharedFaces !== false && sharedFacesPresent())
    return { source: 'shared photos', ...(await sharedCast()) };
  throw new Error("no person found twice in face-api's sample photos, and no shared photos");
}

function sharedFacesPresent(): boolean {
  try {
    return existsSync(facesDir());
  } catch {
    return false;
  }
}
