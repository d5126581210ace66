// Types of face-align.mjs (plain ESM so that the face worker can load it).
import type { Point } from './face-engine.ts';

/** [a, b, tx, ty]: x' = a·x − b·y + tx, y' = b·x + a·y + ty. */
export type Similarity = [number, number, number, number];

export function fivePoints(landmarks: Point[]): Point[];
export function rollDegrees(landmarks: Point[]): number;
export function fitSimilarity(from: Point[], to: Point[]): Similarity;
export function applySimilarity(t: Similarity, p: Point): Point;
export function invertSimilarity(t: Similarity): Similarity;
export function arcfaceChip(landmarks: Point[], side: number): Similarity;
export function faceApiChip(landmarks: Point[], side: number): Similarity;
export function warpChip(
  rgb: ArrayLike<number>,
  width: number,
  height: number,
  toImage: Similarity,
  side: number,
): Float32Array;
export function laplacianVariance(chip: ArrayLike<number>, side: number): number;
