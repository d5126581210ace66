import { describe, expect, it } from 'vitest';
import { gapsIn } from './coverage.ts';

const seg = (start: number, end: number) => ({ start, end });

describe('gaps in a camera’s footage', () => {
  // Times in seconds for reading; the function works in ms.
  const cases: {
    name: string;
    segments: [number, number][];
    expected: [number, number];
    liveEdge?: number;
    gaps: [number, number][];
  }[] = [
    {
      name: 'segments that touch',
      segments: [
        [0, 10],
        [10, 20],
        [20, 30],
      ],
      expected: [0, 30],
      gaps: [],
    },
    {
      name: 'a break within the tolerance',
      segments: [
        [0, 10],
        [11.4, 20],
      ],
      expected: [0, 20],
      gaps: [],
    },
    {
      name: 'a break just over it',
      segments: [
        [0, 10],
        [11.6, 20],
      ],
      expected: [0, 20],
      gaps: [[10, 11.6]],
    },
    {
      name: 'a 12.8 s hole and three 8–13 s breaks',
      segments: [
        [0, 10],
        [22.8, 30],
        [38, 40],
        [53, 60],
        [70, 80],
      ],
      expected: [0, 80],
      gaps: [
        [10, 22.8],
        [30, 38],
        [40, 53],
        [60, 70],
      ],
    },
    { name: 'nothing at the start of the window', segments: [[30, 40]], expected: [0, 40], gaps: [[0, 30]] },
    { name: 'nothing at its end', segments: [[0, 10]], expected: [0, 40], gaps: [[10, 40]] },
    {
      name: 'the end near now is not a gap yet (the segment is being written)',
      segments: [[0, 10]],
      expected: [0, 40],
      liveEdge: 11,
      gaps: [],
    },
    {
      name: 'but a hole between segments is one whatever the live edge',
      segments: [
        [0, 10],
        [20, 30],
      ],
      expected: [0, 40],
      liveEdge: 25,
      gaps: [[10, 20]],
    },
    { name: 'no footage at all', segments: [], expected: [0, 40], gaps: [[0, 40]] },
    {
      name: 'segments reaching outside the window',
      segments: [
        [-5, 5],
        [20, 45],
      ],
      expected: [0, 40],
      gaps: [[5, 20]],
    },
    {
      name: 'overlapping segments',
      segments: [
        [0, 10],
        [8, 20],
        [12, 15],
      ],
      expected: [0, 20],
      gaps: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ms = (s: number) => Math.round(s * 1000);
      const gaps = gapsIn(
        c.segments.map(([a, b]) => seg(ms(a), ms(b))),
        { from: ms(c.expected[0]), to: ms(c.expected[1]) },
        c.liveEdge === undefined ? undefined : ms(c.liveEdge),
      );
      expect(gaps).toEqual(c.gaps.map(([from, to]) => ({ from: ms(from), to: ms(to) })));
    });
  }
});
