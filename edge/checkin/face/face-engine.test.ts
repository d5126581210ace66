import { performance as eventLoop } from 'node:perf_hooks';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraFrame, faceless, photo } from '../../../simulators/face-terminal/shared-photos.ts';
import { DEFAULT_POLICY, euclidean } from '../match-policy.ts';
import { faceApiChip, invertSimilarity, rollDegrees, warpChip } from './face-align.mjs';
import { type DescribedFace, FaceEngine } from './face-engine.ts';
import { FaceError } from './face-errors.ts';
import { qualityProblems } from './face-quality.ts';

let engine: FaceEngine;
beforeAll(async () => {
  engine = await FaceEngine.start({ workers: 2 });
});
afterAll(() => engine.close());

async function failure(promise: Promise<unknown>): Promise<FaceError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FaceError);
  return err as FaceError;
}

describe('face engine on the shared photos', () => {
  it('gives the same person close descriptors and different people distant ones', async () => {
    const [powellA, powellB, bush] = await Promise.all([
      engine.describeSingleFace(photo('lfw', 'Colin_Powell', 0)),
      engine.describeSingleFace(await cameraFrame([photo('lfw', 'Colin_Powell', 1)])),
      engine.describeSingleFace(photo('lfw', 'George_W_Bush', 0)),
    ]);
    expect(powellA.descriptor).toHaveLength(128);
    expect(powellA.landmarks).toHaveLength(68);
    expect(euclidean(powellA.descriptor, powellB.descriptor)).toBeLessThan(DEFAULT_POLICY.threshold);
    expect(euclidean(powellA.descriptor, bush.descriptor)).toBeGreaterThan(DEFAULT_POLICY.threshold);
  });

  it('reports the face in the coordinates of the original 640×480 frame', async () => {
    const analysis = await engine.analyze(await cameraFrame([photo('bbt', 'penny', 0)]));
    expect(analysis).toMatchObject({ width: 640, height: 480 });
    const face = analysis.faces[0]!;
    // cameraFrame puts one 220 px tile at x 210..430, y 130..350.
    expect(face.box.x).toBeGreaterThan(180);
    expect(face.box.x + face.box.width).toBeLessThan(460);
    expect(face.box.y).toBeGreaterThan(100);
  });

  it('refuses pictures without exactly one face, saying which', async () => {
    const none = await failure(engine.describeSingleFace(await faceless(), 'frames[0]'));
    expect(none.code).toBe('no-face');
    expect(none.message).toContain('frames[0]');
    const two = await cameraFrame([photo('bbt', 'penny', 0), photo('bbt', 'howard', 0)]);
    const several = await failure(engine.describeSingleFace(two, 'frames[1]'));
    expect(several.code).toBe('several-faces');
    expect(several.message).toMatch(/frames\[1\].*2 faces/);
  });

  it('finds camera-frame faces with the Tiny detector, and lets SSD decide every other count', async () => {
    const [reference, live] = await Promise.all([
      engine.describeSingleFace(photo('lfw', 'Ariel_Sharon', 0)),
      engine.analyze(await cameraFrame([photo('lfw', 'Ariel_Sharon', 2)]), 'frames[0]', undefined, 'camera'),
    ]);
    expect(live.detector).toBe('tiny');
    expect(live.faces).toHaveLength(1);
    // A Tiny-detected camera face matches the SSD-detected reference photo of the same person.
    expect(euclidean(reference.descriptor, live.faces[0]!.descriptor!)).toBeLessThan(DEFAULT_POLICY.threshold);

    const none = await engine.analyze(await faceless(), 'frames[0]', undefined, 'camera');
    expect(none).toMatchObject({ detector: 'ssd', faces: [] });
    const two = await cameraFrame([photo('bbt', 'amy', 0), photo('bbt', 'sheldon', 0)]);
    const crowded = await engine.analyze(two, 'frames[0]', undefined, 'camera');
    expect(crowded.detector).toBe('ssd');
    expect(crowded.faces).toHaveLength(2);
  });

  it('turns a tilted face upright before describing it', async () => {
    const upright = photo('lfw', 'Colin_Powell', 1);
    const tilted = await sharp(upright)
      .rotate(25, { background: { r: 118, g: 124, b: 131 } })
      .jpeg()
      .toBuffer();
    const [straight, leaning, other] = await Promise.all([
      engine.describeSingleFace(await cameraFrame([upright]), 'frame', undefined, 'camera'),
      engine.describeSingleFace(await cameraFrame([tilted]), 'frame', undefined, 'camera'),
      engine.describeSingleFace(await cameraFrame([photo('lfw', 'George_W_Bush', 1)]), 'frame', undefined, 'camera'),
    ]);
    expect(rollDegrees(leaning.landmarks) - rollDegrees(straight.landmarks)).toBeGreaterThan(18);
    // The chip the descriptor is computed on, cut from the tilted frame: its face is level again.
    const { data, info } = await sharp(await cameraFrame([tilted]))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const chip = warpChip(data, info.width, info.height, invertSimilarity(faceApiChip(leaning.landmarks, 150)), 150);
    const png = await sharp(Buffer.from(Uint8Array.from(chip, (v) => Math.round(v))), {
      raw: { width: 150, height: 150, channels: 3 },
    })
      .png()
      .toBuffer();
    const onChip = await engine.describeSingleFace(png);
    expect(Math.abs(rollDegrees(onChip.landmarks))).toBeLessThan(6);
    // The same person tilted stays closer than someone else upright.
    expect(euclidean(straight.descriptor, leaning.descriptor)).toBeLessThan(
      euclidean(straight.descriptor, other.descriptor),
    );
  });

  it('measures sharpness and size so that the gate turns back a blurred frame and a tiny face', async () => {
    const face = photo('lfw', 'Donald_Rumsfeld', 2);
    const clear = await cameraFrame([face]);
    const blurred = await sharp(clear).blur(3).jpeg().toBuffer();
    const small = await cameraFrame([face], 56);
    const [a, b, c] = await Promise.all(
      [clear, blurred, small].map(async (f) => {
        const analysis = await engine.analyze(f, 'frame', undefined, 'camera');
        expect(analysis.faces).toHaveLength(1);
        return analysis.faces[0] as DescribedFace;
      }),
    );
    expect(qualityProblems(a!)).toEqual([]);
    expect(b!.sharpness).toBeLessThan(a!.sharpness / 4);
    expect(qualityProblems(b!)).toContain('blurred');
    expect(qualityProblems(c!)).toContain('too-small');
  });

  it('uses SSD alone on camera frames when told to', async () => {
    const ssdOnly = await FaceEngine.start({ workers: 1, cameraDetector: 'ssd' });
    try {
      const frame = await cameraFrame([photo('bbt', 'bernadette', 0)]);
      const analysis = await ssdOnly.analyze(frame, 'frames[0]', undefined, 'camera');
      expect(analysis.detector).toBe('ssd');
      expect(analysis.faces).toHaveLength(1);
    } finally {
      await ssdOnly.close();
    }
  });

  it('names what is wrong with bad input and keeps working', async () => {
    const jpeg = photo('lfw', 'Donald_Rumsfeld', 0);
    const cases: [Uint8Array, string, string | undefined, string][] = [
      [Buffer.from('GIF89a not a face'), 'not-image', undefined, 'not a JPEG or PNG'],
      [jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'truncated', undefined, 'truncated'],
      [Buffer.alloc(50 * 1024 * 1024, 0xff), 'too-large', undefined, '52428800 bytes'],
      [
        await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } })
          .png()
          .toBuffer(),
        'too-small',
        undefined,
        '1×1',
      ],
      [jpeg, 'content-type', 'text/plain', 'text/plain'],
      [jpeg, 'content-type', 'image/png', 'bytes are JPEG'],
      // A small file that would decode to a 100-megapixel bitmap.
      [
        await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#888' } })
          .png()
          .toBuffer(),
        'too-large',
        undefined,
        'pixel limit',
      ],
    ];
    for (const [bytes, code, contentType, detail] of cases) {
      const err = await failure(engine.analyze(bytes, 'photo', contentType));
      expect({ code: err.code, field: err.field }).toEqual({ code, field: 'photo' });
      expect(err.message).toContain(detail);
      expect(err.isBadImage).toBe(true);
    }
    const after = await engine.describeSingleFace(jpeg);
    expect(after.descriptor).toHaveLength(128);
  });

  it('keeps the event loop free and runs a worker per core', async () => {
    expect(engine.size).toBe(2);
    const frame = await cameraFrame([photo('bbt', 'leonard', 0)]);
    // Event-loop utilisation counts only the time this thread runs JavaScript, not time the OS gives to others.
    const before = eventLoop.eventLoopUtilization();
    const results = await Promise.all(Array.from({ length: 4 }, () => engine.analyze(frame)));
    const busy = eventLoop.eventLoopUtilization(before).utilization;
    expect(results.map((r) => r.faces.length)).toEqual([1, 1, 1, 1]);
    // Had the networks run on this thread, it would have been busy nearly all along.
    expect(busy).toBeLessThan(0.3);
  });

  it('replaces a worker that dies, failing only the job it had', async () => {
    const frame = await cameraFrame([photo('bbt', 'raj', 0)]);
    const pool = (engine as unknown as { pool: { worker: { terminate(): Promise<number> } }[] }).pool;
    const running = engine.analyze(frame);
    await pool[0]!.worker.terminate();
    const err = await failure(running);
    expect(err.code).toBe('engine-failure');
    const again = await engine.analyze(frame);
    expect(again.faces).toHaveLength(1);
    await expect.poll(() => engine.size, { timeout: 20_000 }).toBe(2);
  });
});
