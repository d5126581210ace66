import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { describeSchemaError } from '../config/json-schema.ts';
import { CONTRACTS } from './contracts.ts';
import { Ack, Heartbeat, Status } from './envelope.ts';
import type { DeviceTopic } from './topics.ts';

export type Validated = { ok: true; payload: Record<string, unknown> } | { ok: false; error: string };

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new Map<TSchema, ValidateFunction>();

function validatorFor(schema: TSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** The schema a device message on this topic must match, or why there is none. */
export function schemaFor(topic: DeviceTopic): TSchema | string {
  const contract = CONTRACTS[topic.kind as keyof typeof CONTRACTS];
  if (!contract) return `unknown device kind "${topic.kind}"`;
  switch (topic.channel) {
    case 'status':
      return Status;
    case 'heartbeat':
      return Heartbeat;
    case 'ack':
      return Ack;
    case 'state':
      return contract.state ?? `a ${topic.kind} publishes no state`;
    case 'event':
      return contract.events[topic.name!] ?? `a ${topic.kind} has no event "${topic.name}"`;
    case 'cmd':
      return contract.commands[topic.name!] ?? `a ${topic.kind} has no command "${topic.name}"`;
  }
}

/** Parses and validates a payload; the error names the field path and the reason. */
export function validatePayload(topic: DeviceTopic, payload: Buffer | string): Validated {
  const schema = schemaFor(topic);
  if (typeof schema === 'string') return { ok: false, error: schema };
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `payload is not JSON: ${(err as Error).message}` };
  }
  const validate = validatorFor(schema);
  if (validate(value)) return { ok: true, payload: value as Record<string, unknown> };
  return { ok: false, error: describeSchemaError(validate.errors![0]!) };
}
