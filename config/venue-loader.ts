import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { describeSchemaError } from './json-schema.ts';
import { Venue } from './schema.ts';

export const VENUES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'venues');
export const JINCHENG_VENUES = ['jincheng', 'gaoping', 'yangcheng', 'lingchuan', 'qinshui'] as const;

/** A venue file that cannot be used; `problems` name each field path and the reason. */
export class VenueConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid venue file:\n  ${problems.join('\n  ')}`);
    this.name = 'VenueConfigError';
  }
}

const validateShape = new Ajv({ allErrors: true, strict: false }).compile<Venue>(Venue);

export function venueFile(id: string): string {
  return join(VENUES_DIR, `${id}.yaml`);
}

export function loadVenue(file: string): Venue {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new VenueConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return parseVenue(raw, file);
}

export function parseVenue(raw: unknown, file = '(venue)'): Venue {
  if (!validateShape(raw)) {
    throw new VenueConfigError(file, dedupe((validateShape.errors ?? []).map(describeSchemaError)));
  }
  const problems = crossReferenceProblems(raw);
  if (problems.length > 0) throw new VenueConfigError(file, problems);
  return raw;
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}

/** What a schema cannot say: ids are unique and every reference points at something that exists. */
function crossReferenceProblems(venue: Venue): string[] {
  const problems: string[] = [];
  const floors = new Set(venue.floors.map((f) => f.id));
  const zones = new Map(venue.zones.map((z) => [z.id, z]));
  const doors = new Set(venue.doors.map((d) => d.id));
  // Zones and doors are namespaces of their own; devices and cameras share one (their ids are bus usernames).
  const namespaces = {
    zone: new Map<string, string>(),
    door: new Map<string, string>(),
    device: new Map<string, string>(),
  };
  const unique = (namespace: keyof typeof namespaces, path: string, id: string) => {
    const first = namespaces[namespace].get(id);
    if (first) problems.push(`${path}/id: "${id}" is already used at ${first}`);
    else namespaces[namespace].set(id, path);
  };
  const ref = (path: string, kind: string, id: string | undefined, known: { has(id: string): boolean }) => {
    if (id !== undefined && !known.has(id)) problems.push(`${path}: unknown ${kind} "${id}"`);
  };

  venue.zones.forEach((z, i) => {
    unique('zone', `/zones/${i}`, z.id);
    ref(`/zones/${i}/floor`, 'floor', z.floor, floors);
    ref(`/zones/${i}/parent`, 'zone', z.parent, zones);
    if (z.seats && z.type !== 'evaluation-room') problems.push(`/zones/${i}/seats: only evaluation rooms have seats`);
  });
  venue.doors.forEach((d, i) => {
    unique('door', `/doors/${i}`, d.id);
    ref(`/doors/${i}/floor`, 'floor', d.floor, floors);
    ref(`/doors/${i}/from`, 'zone', d.from, zones);
    ref(`/doors/${i}/to`, 'zone', d.to, zones);
  });
  venue.devices.forEach((d, i) => {
    const path = `/devices/${i}`;
    unique('device', path, d.id);
    ref(`${path}/floor`, 'floor', d.floor, floors);
    ref(`${path}/zone`, 'zone', d.zone, zones);
    ref(`${path}/door`, 'door', d.door, doors);
    ref(`${path}/room`, 'zone', d.room, zones);
    if (d.room && zones.get(d.room)?.type !== 'evaluation-room' && zones.has(d.room))
      problems.push(`${path}/room: "${d.room}" is not an evaluation room`);
    if ((d.kind === 'gate' || d.kind === 'door') && !d.door)
      problems.push(`${path}/door: a ${d.kind} must name its door`);
    if (d.kind === 'locker' && !d.compartments) problems.push(`${path}/compartments: a locker bank must say how many`);
  });
  venue.cameras.forEach((c, i) => {
    unique('device', `/cameras/${i}`, c.id);
    ref(`/cameras/${i}/floor`, 'floor', c.floor, floors);
    ref(`/cameras/${i}/zone`, 'zone', c.zone, zones);
  });
  if (!venue.zones.some((z) => z.type === 'evaluation-zone')) problems.push('/zones: the venue has no evaluation-zone');
  return problems;
}
