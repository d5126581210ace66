// The venues' names for the city console, from the same topology files the venues run on (config/venues). Only
// the header is read (id, name, nameEn); a file that lacks them is skipped, so the console shows the id.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { VENUES_DIR } from '../../config/venue-loader.ts';

export function venueNames(dir = VENUES_DIR): Map<string, { name: string; nameEn: string }> {
  const names = new Map<string, { name: string; nameEn: string }>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const { id, name, nameEn } = (parse(readFileSync(join(dir, file), 'utf8')) ?? {}) as Record<string, unknown>;
    if (typeof id === 'string' && typeof name === 'string')
      names.set(id, { name, nameEn: typeof nameEn === 'string' ? nameEn : name });
  }
  return names;
}
