import { Type as T } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { maxJsonBytes } from './payload-size.ts';

describe('largest JSON of a schema', () => {
  it.each([
    { what: 'an escaped-text string of 10', schema: T.String({ maxLength: 10 }), bytes: 62 },
    { what: 'a base64 string of 10', schema: T.String({ maxLength: 10, contentEncoding: 'base64' }), bytes: 12 },
    { what: 'an id of 10', schema: T.String({ maxLength: 10, pattern: '^[a-z]+$' }), bytes: 42 },
    { what: 'an enum', schema: T.Union([T.Literal('in'), T.Literal('out')]), bytes: 5 },
    { what: 'a number', schema: T.Integer({ maximum: 5 }), bytes: 24 },
    { what: 'an object', schema: T.Object({ ok: T.Boolean(), n: T.Null() }), bytes: 2 + 6 + 5 + 5 + 4 },
    { what: 'an array of 3 booleans', schema: T.Array(T.Boolean(), { maxItems: 3 }), bytes: 2 + 3 * 6 },
    { what: 'an unbounded array', schema: T.Array(T.Boolean()), bytes: Infinity },
    { what: 'an unbounded string', schema: T.String(), bytes: Infinity },
  ])('$what: $bytes bytes', ({ schema, bytes }) => {
    expect(maxJsonBytes(schema)).toBe(bytes);
  });

  it('is never less than the compact JSON of a valid payload at its bounds', () => {
    const schema = T.Object({
      id: T.String({ maxLength: 4 }),
      list: T.Array(T.Integer({ maximum: 9 }), { maxItems: 2 }),
    });
    const largest = { id: '\u0001\u0001\u0001\u0001', list: [-Number.MAX_VALUE, 9] }; // the longest JSON number
    expect(maxJsonBytes(schema)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(largest)));
  });
});
