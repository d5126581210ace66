import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { catalogueProblem, EVENT_CATALOGUE } from './event-catalogue.ts';
import type { UpstreamRule, UpstreamShape } from './store/event-spec.ts';
import { UPLOAD_RULES } from './sync/upstream-projection.ts';

const ROOT = join(import.meta.dirname, '..');

/** Production sources that record events (tests and fixtures append made-up ones on purpose). */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !/\.test\.ts$|fixture/.test(f))
    .map((f) => join(ROOT, dir, f));
}

/** Event types written as a literal where an event is built: `type: 'x.y'` and record helpers' `'x.y',`. */
function appendedTypes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of [...sources('edge'), ...sources('hall-server')]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:type: |record\([^,]*, |locker\(|audit\()'([a-z]+\.[a-z-]+)'/g))
      found.set(m[1]!, file.slice(ROOT.length + 1));
    for (const m of text.matchAll(/type: `alarm\.\$\{to\}`/g)) {
      found.set('alarm.acknowledged', file.slice(ROOT.length + 1));
      found.set('alarm.resolved', file.slice(ROOT.length + 1));
      void m;
    }
  }
  return found;
}

/** Field names that must never reach the city: names, faces, photos, ID numbers, phones, positions, tracks. */
const FORBIDDEN =
  /^(name|names|fullName|photo|face|faces|image|template|templates|descriptor|idNumber|phone|x|y|position|positions|trajectory|track|tracks|coordinates|note|text|detail|error)$/i;

function fieldsOf(shape: UpstreamShape, path = ''): string[] {
  if (typeof shape === 'string') return [];
  if (Array.isArray(shape)) return fieldsOf(shape[0] as UpstreamShape, `${path}/0`);
  return Object.entries(shape as Record<string, UpstreamShape>).flatMap(([k, v]) => [
    `${path}/${k}`,
    ...fieldsOf(v, `${path}/${k}`),
  ]);
}

/** Whether the data schema declares this field path (so an upstream rule cannot name a field no event has). */
function declared(schema: TSchema, path: string[]): boolean {
  if (path.length === 0) return true;
  // `from`/`to` of a change hold whatever the field held (T.Unknown): any path under them is declared.
  if (schema.type === undefined && schema.anyOf === undefined) return true;
  const [head, ...rest] = path;
  if (schema.anyOf) return (schema.anyOf as TSchema[]).some((s) => declared(s, path));
  if (schema.type === 'array') return head === '0' && declared(schema.items as TSchema, rest);
  if (schema.type === 'object' && schema.properties?.[head!]) return declared(schema.properties[head!], rest);
  // A record (session.updated's changes) declares any key.
  if (schema.type === 'object' && schema.patternProperties)
    return declared(Object.values(schema.patternProperties)[0] as TSchema, rest);
  return false;
}

describe('event catalogue', () => {
  it('lists every event type the code records', () => {
    const missing = [...appendedTypes()].filter(([type]) => !(type in EVENT_CATALOGUE));
    expect(missing).toEqual([]);
    // The scan finds the recorders at all (a broken regex would pass the line above vacuously).
    expect(appendedTypes().size).toBeGreaterThan(80);
  });

  it('checks data against the schema and names the field path', () => {
    expect(catalogueProblem('device.online', { kind: 'gate', reason: 'status' })).toBeNull();
    expect(catalogueProblem('no.such-type', {})).toMatch(/^\/type: "no.such-type" is not in the event catalogue/);
    expect(catalogueProblem('device.online', { kind: 'gate' })).toMatch(/^\/data\/reason: /);
    expect(catalogueProblem('device.online', { kind: 'gate', reason: 'status', name: '张三' })).toMatch(/^\/data/);
    expect(catalogueProblem('session.experts-authorised', { experts: [{ pseudonym: 'E-1', seat: 3 }] })).toMatch(
      /^\/data\/experts\/0\/seat: /,
    );
  });

  it('derives the upstream allow-list from the catalogue: a type without a rule goes up withheld', () => {
    for (const [type, spec] of Object.entries(EVENT_CATALOGUE))
      expect(type in UPLOAD_RULES, type).toBe('upstream' in spec && spec.upstream !== undefined);
    for (const withheld of ['tracking.trajectory-viewed', 'biometric.enrolled', 'audit.names-viewed', 'video.segment'])
      expect(UPLOAD_RULES[withheld]).toBeUndefined();
  });

  it('lets no name, face, photo, phone, position, track or free-text field through, and names only declared fields', () => {
    const forbidden: string[] = [];
    const undeclared: string[] = [];
    for (const [type, spec] of Object.entries(EVENT_CATALOGUE)) {
      const rule: UpstreamRule | undefined = 'upstream' in spec ? spec.upstream : undefined;
      if (!rule?.body) continue;
      for (const path of fieldsOf(rule.body)) {
        if (FORBIDDEN.test(path.split('/').at(-1)!)) forbidden.push(`${type} ${path}`);
        if (!declared(spec.data, path.split('/').slice(1))) undeclared.push(`${type} ${path}`);
      }
    }
    expect(forbidden).toEqual([]);
    expect(undeclared).toEqual([]);
  });
});
