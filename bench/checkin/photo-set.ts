// The check-in bench's photos: which identities tune and which are held out, and every photo analysed the
// two ways check-in uses a photo (as a reference, and inside a 640×480 camera frame).
import type { DescribedFace, FaceEngine, ImageAnalysis } from '../../edge/checkin/face/face-engine.ts';
import {
  cameraFrame,
  identities,
  type PhotoSet,
  photo,
  photoFiles,
} from '../../simulators/face-terminal/shared-photos.ts';

/**
 * The split, fixed before any result was looked at: in each photo set, in alphabetical order, every second
 * identity (the 2nd, 4th, …) is held out; the others tune thresholds and choose levers. Figures that claim
 * accuracy are the held-out ones. With the shared photos that is lfw: Colin_Powell, George_W_Bush (50 photos
 * each); bbt: bernadette, leonard, raj, stuart (5 each). Tuning: lfw Ariel_Sharon, Donald_Rumsfeld; bbt amy,
 * howard, penny, sheldon.
 */
export type Split = 'tuning' | 'held-out';

export interface Identity {
  set: PhotoSet;
  name: string;
  split: Split;
}

export function splitIdentities(): Identity[] {
  return (['lfw', 'bbt'] as const).flatMap((set) =>
    identities(set).map((name, i): Identity => ({ set, name, split: i % 2 === 1 ? 'held-out' : 'tuning' })),
  );
}

/** One photo, analysed as a reference (chip photo) and as a camera frame. */
export interface AnalysedPhoto {
  identity: Identity;
  index: number;
  /** The one face found in the photo as a reference, or null (no face, or several). */
  reference: DescribedFace | null;
  /** `tiny` when SSD saw no face in the reference photo and Tiny found the one. */
  referenceDetector: ImageAnalysis['detector'];
  /** The one face found in the photo's 640×480 camera frame, or null. */
  camera: DescribedFace | null;
  cameraDetector: ImageAnalysis['detector'];
}

const only = (a: ImageAnalysis) => (a.faces.length === 1 ? (a.faces[0] as DescribedFace) : null);

/** Every photo of the identities, `perIdentity` at most each, through the engine. */
export async function analysePhotos(
  engine: FaceEngine,
  of: Identity[],
  perIdentity = Number.POSITIVE_INFINITY,
): Promise<AnalysedPhoto[]> {
  const jobs = of.flatMap((identity) =>
    photoFiles(identity.set, identity.name)
      .slice(0, perIdentity)
      .map((_, index) => ({ identity, index })),
  );
  return Promise.all(
    jobs.map(async ({ identity, index }) => {
      const bytes = photo(identity.set, identity.name, index);
      const [reference, camera] = await Promise.all([
        engine.analyze(bytes, 'photo', undefined, 'reference'),
        engine.analyze(await cameraFrame([bytes]), 'frame', undefined, 'camera'),
      ]);
      return {
        identity,
        index,
        reference: only(reference),
        referenceDetector: reference.detector,
        camera: only(camera),
        cameraDetector: camera.detector,
      };
    }),
  );
}
