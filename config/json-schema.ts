import { Type } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';

/** One Ajv error as "field path: reason", naming the offending property or the allowed value. */
export function describeSchemaError(e: ErrorObject): string {
  const params = e.params as { additionalProperty?: string; allowedValue?: unknown };
  const extra =
    e.keyword === 'additionalProperties'
      ? ` "${params.additionalProperty}"`
      : e.keyword === 'const'
        ? ` (${JSON.stringify(params.allowedValue)})`
        : '';
  return `${e.instancePath || '/'}: ${e.message}${extra}`;
}

/** A string enum as JSON Schema `enum` (not anyOf of consts), so a wrong value gets one clear error. */
export function StringEnum<const V extends readonly string[]>(values: V, options: { description?: string } = {}) {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}
