import { describe, expect, it } from 'vitest';
import { placeLabels, textWidthEm } from './label-layout.ts';

const label = (id: string, x: number, y: number, width = 4, height = 1) => ({ id, x, y, width, height });

describe('map labels do not overlap', () => {
  it.each([
    ['apart: both where wanted', [label('a', 0, 0), label('b', 10, 0)], [], { a: 0, b: 0 }],
    [
      'same place: the second moves half a line at a time until free',
      [label('a', 0, 0), label('b', 0, 0)],
      [],
      { a: 0, b: 1 },
    ],
    [
      'three stacked: the third goes the other way',
      [label('a', 0, 0), label('b', 0, 0), label('c', 0, 0)],
      [],
      { a: 0, b: 1, c: -1 },
    ],
    [
      'a taken box (a door) pushes the label off it',
      [label('a', 0, 0)],
      [{ x: 0, y: 0, width: 1, height: 1 }],
      { a: 1 },
    ],
    [
      'no room within reach: kept where wanted',
      [label('a', 0, 0, 4, 1)],
      [{ x: 0, y: 0, width: 40, height: 40 }],
      { a: 0 },
    ],
  ] as const)('%s', (_name, wants, taken, ys) => {
    const placed = placeLabels(wants, taken);
    expect(Object.fromEntries([...placed].map(([id, box]) => [id, box.y]))).toEqual(ys);
  });

  it('measures CJK wider than Latin', () => {
    expect(textWidthEm('第一评标室')).toBe(5);
    expect(textWidthEm('Room 1')).toBeCloseTo(3.6);
  });
});
