import type { TSchema } from '@sinclair/typebox';

/** Bytes a JSON string character may take: `\u001f` escaped is six, any other character at most four in UTF-8. */
const ESCAPED_CHAR_BYTES = 6;
/** A patterned string (an id) holds no character JSON escapes: at most four bytes each in UTF-8. */
const UTF8_CHAR_BYTES = 4;
/** A number's longest JSON form (-1.2345678901234567e-308 and the like). */
const NUMBER_BYTES = 24;

type Schema = {
  type?: string;
  maxLength?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  contentEncoding?: string;
  pattern?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
};

/**
 * The most bytes a payload valid under `schema` takes as compact JSON: what the broker must let through for it,
 * so packet limits follow the contract. Base64 strings are ASCII, patterned ones (ids) unescaped UTF-8; other
 * strings count every character escaped. A schema without a bound (maxLength, maxItems) has no finite size: Infinity.
 */
export function maxJsonBytes(schema: TSchema | Schema): number {
  const s = schema as Schema;
  if (s.anyOf) return Math.max(...s.anyOf.map(maxJsonBytes));
  if (s.enum || s.const !== undefined)
    return Math.max(...(s.enum ?? [s.const]).map((v) => Buffer.byteLength(JSON.stringify(v))));
  switch (s.type) {
    case 'string': {
      const perChar = s.contentEncoding === 'base64' ? 1 : s.pattern ? UTF8_CHAR_BYTES : ESCAPED_CHAR_BYTES;
      return 2 + (s.maxLength ?? Infinity) * perChar;
    }
    case 'number':
    case 'integer':
      return NUMBER_BYTES;
    case 'boolean':
      return 5;
    case 'null':
      return 4;
    case 'array':
      return 2 + (s.maxItems ?? Infinity) * (maxJsonBytes(s.items ?? {}) + 1);
    case 'object':
      return (
        2 +
        Object.entries(s.properties ?? {}).reduce(
          (sum, [key, value]) => sum + Buffer.byteLength(JSON.stringify(key)) + 2 + maxJsonBytes(value),
          0,
        )
      );
    default:
      return Infinity;
  }
}
