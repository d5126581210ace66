import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { CONTRACTS } from './contracts.ts';
import { Ack, Heartbeat, Status } from './envelope.ts';
import { validatePayload } from './payload-validator.ts';
import type { DeviceTopic } from './topics.ts';

const at = Date.UTC(2026, 11, 6);
const topic = (kind: string, channel: DeviceTopic['channel'], name?: string): DeviceTopic => ({
  venue: 'qinshui',
  kind,
  deviceId: 'd1',
  channel,
  name,
});
const pass = { at, requestId: 'r-1', credential: { type: 'badge', value: 'b1' }, direction: 'in' };
const position = { badge: 'badge-1', x: 1, y: 2, floor: 'f3', accuracy: 0.3, at };
const long = (n: number) => 'a'.repeat(n);

/** Each case: a valid message with one field made too long, too many, out of range or ill-formed. */
const cases: { what: string; topic: DeviceTopic; payload: unknown; path: string }[] = [
  {
    what: 'a time of 1e999 (Infinity)',
    topic: topic('gate', 'event', 'pass-request'),
    payload: JSON.stringify({ ...pass, at: 0 }).replace('"at":0', '"at":1e999'),
    path: '/at',
  },
  { what: 'a time after 2100', topic: topic('gate', 'heartbeat'), payload: { at: 5e12, firmware: 'f' }, path: '/at' },
  {
    what: 'a request id with a space',
    topic: topic('gate', 'event', 'pass-request'),
    payload: { ...pass, requestId: 'r 1' },
    path: '/requestId',
  },
  {
    what: 'a credential of 129 characters',
    topic: topic('gate', 'event', 'pass-request'),
    payload: { ...pass, credential: { type: 'badge', value: long(129) } },
    path: '/credential/value',
  },
  {
    what: 'a 5 MB locker holder',
    topic: topic('locker', 'event', 'deposit'),
    payload: { at, compartment: 1, holder: long(5_000_000) },
    path: '/holder',
  },
  {
    what: 'a locker state of 2,000 compartments',
    topic: topic('locker', 'state'),
    payload: { occupied: Array.from({ length: 2000 }, (_, i) => (i % 500) + 1) },
    path: '/occupied',
  },
  {
    what: 'a locker state naming a compartment twice',
    topic: topic('locker', 'state'),
    payload: { occupied: [3, 3] },
    path: '/occupied',
  },
  {
    what: 'a position 1e308 metres away',
    topic: topic('rtls', 'event', 'positions'),
    payload: { at, positions: [{ ...position, x: 1e308 }] },
    path: '/positions/0/x',
  },
  {
    what: 'a floor id of 65 characters',
    topic: topic('rtls', 'event', 'positions'),
    payload: { at, positions: [{ ...position, floor: long(65) }] },
    path: '/positions/0/floor',
  },
  {
    what: 'a batch of 2,001 positions',
    topic: topic('rtls', 'event', 'positions'),
    payload: { at, positions: Array.from({ length: 2001 }, () => position) },
    path: '/positions',
  },
  {
    what: 'a 3 MB chip photo',
    topic: topic('face-terminal', 'event', 'idcard-read'),
    payload: { at, attemptId: 'a1', idNumber: '14050219880315001X', name: '张三', photo: long(3_000_000) },
    path: '/photo',
  },
  {
    what: 'a fire detector name of 65 characters',
    topic: topic('fire-panel', 'event', 'fire-alarm'),
    payload: { at, active: true, detector: long(65) },
    path: '/detector',
  },
  {
    what: 'an offline decision at Infinity',
    topic: topic('gate', 'event', 'offline-decision'),
    payload: `{"at":${at},"requestId":"r","credential":{"type":"badge","value":"b"},"direction":"in","granted":true,"decidedAt":1e999,"allowListVersion":1}`,
    path: '/decidedAt',
  },
  {
    what: 'an intercom call id with a slash',
    topic: topic('intercom', 'event', 'call'),
    payload: { at, callId: 'a/b' },
    path: '/callId',
  },
  {
    what: 'an uptime of Infinity',
    topic: topic('door', 'heartbeat'),
    payload: `{"at":${at},"firmware":"f","uptimeS":1e999}`,
    path: '/uptimeS',
  },
  {
    what: 'an ack id of 65 characters',
    topic: topic('display', 'ack'),
    payload: { id: long(65), ok: true, at },
    path: '/id',
  },
  {
    what: 'a display state version past 2^53',
    topic: topic('display', 'state'),
    payload: { contentVersion: 2 ** 60 },
    path: '/contentVersion',
  },
];

describe('device contract bounds', () => {
  it.each(cases)('refuses $what, naming $path', ({ topic, payload, path }) => {
    const result = validatePayload(topic, typeof payload === 'string' ? payload : JSON.stringify(payload));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.split(':')[0]).toBe(path);
  });

  it('still accepts the valid message each case was made from', () => {
    expect(validatePayload(topic('gate', 'event', 'pass-request'), JSON.stringify(pass)).ok).toBe(true);
    expect(validatePayload(topic('rtls', 'event', 'positions'), JSON.stringify({ at, positions: [position] })).ok).toBe(
      true,
    );
    expect(validatePayload(topic('locker', 'state'), JSON.stringify({ occupied: [1, 500] })).ok).toBe(true);
    // A badge id in another script is an id too.
    expect(
      validatePayload(
        topic('rtls', 'event', 'positions'),
        JSON.stringify({ at, positions: [{ ...position, badge: '定位卡-1' }] }),
      ).ok,
    ).toBe(true);
  });

  /** Every string has a maxLength (or an enum), every array a maxItems, every number a maximum. */
  it('bounds every string, array and number of every schema', () => {
    const unbounded: string[] = [];
    const walk = (schema: Record<string, any>, path: string) => {
      const { type } = schema;
      if (
        type === 'string' &&
        schema.maxLength === undefined &&
        schema.enum === undefined &&
        schema.const === undefined
      )
        unbounded.push(path);
      if (type === 'array' && schema.maxItems === undefined) unbounded.push(path);
      if ((type === 'integer' || type === 'number') && schema.maximum === undefined) unbounded.push(path);
      for (const [key, sub] of Object.entries(schema.properties ?? {})) walk(sub as object, `${path}/${key}`);
      if (schema.items) walk(schema.items, `${path}/items`);
      for (const sub of schema.anyOf ?? []) walk(sub, path);
    };
    const schemas: [string, TSchema][] = [
      ['Status', Status],
      ['Heartbeat', Heartbeat],
      ['Ack', Ack],
    ];
    for (const [kind, contract] of Object.entries(CONTRACTS)) {
      if (contract.state) schemas.push([`${kind}.state`, contract.state]);
      for (const [name, s] of Object.entries({ ...contract.events, ...contract.commands }))
        schemas.push([`${kind}.${name}`, s]);
    }
    for (const [name, schema] of schemas) walk(JSON.parse(JSON.stringify(schema)), name);
    expect(unbounded).toEqual([]);
  });
});
