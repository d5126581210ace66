// The venues' names for the city console, from the same topology files the venues run on (config/venues): the
// hub's own configuration, never an upload. Only the header is read (id, name, nameEn); a file without them is
// skipped, and the console shows the id.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { VENUES_DIR } from '../../config/venue-loader.ts';
import type { VenueNames } from './types.ts';

export function venueNames(dir = VENUES_DIR): VenueNames {
  const names: VenueNames = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const { id, name, nameEn } = (parse(readFileSync(join(dir, file), 'utf8')) ?? {}) as Record<string, unknown>;
    if (typeof id === 'string' && typeof name === 'string')
      names[id] = { name, nameEn: typeof nameEn === 'string' ? nameEn : name };
  }
  return names;
}
