// Usage: npm run evidence -- <session id> --data <venue data dir> --out <package.zip>
//          [--keys <keys dir, default: the data dir>] [--anchors <dir of checkpoints.jsonl, default: the data dir>]
//          [--by <who exports>]
// Exports the evidence package of one session from a venue's data directory (or a copy of it).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { anchorFiles } from '../store/anchors.ts';
import { openDatabase } from '../store/database.ts';
import { sm2PublicKeyPemIn } from '../store/suites.ts';
import { loadOrCreateVenueKey, platformKeyFile, venueKeyFiles } from '../sync/keys.ts';
import { exportEvidence } from './export-evidence.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    out: { type: 'string' },
    keys: { type: 'string' },
    anchors: { type: 'string' },
    by: { type: 'string', default: 'cli' },
  },
});
const session = positionals[0];
if (!session || !values.data || !values.out) {
  console.error(
    'usage: npm run evidence -- <session> --data <venue data dir> --out <package.zip> [--keys dir] [--anchors dir]',
  );
  process.exit(2);
}
const dataDir = values.data;
const keysDir = values.keys ?? dataDir;
const dbFile = join(dataDir, 'halledge.db');
if (!existsSync(dbFile)) throw new Error(`--data: no halledge.db in ${dataDir}`);
// Never create a key here: an export signs with the venue's existing key or not at all.
if (!existsSync(venueKeyFiles(keysDir).privateKey))
  throw new Error(`--keys: no venue key at ${venueKeyFiles(keysDir).privateKey}`);
const db = openDatabase(dbFile);
const venue = db.prepare('SELECT venue FROM events ORDER BY seq LIMIT 1').pluck().get() as string;
const platformKey = platformKeyFile(keysDir);
const files = anchorFiles(values.anchors ?? dataDir);
const started = performance.now();
const { zip, manifest } = await exportEvidence(
  {
    db,
    dataDir,
    venue,
    key: loadOrCreateVenueKey(keysDir),
    platformKeyPem: existsSync(platformKey) ? readFileSync(platformKey, 'utf8') : null,
    checkpointKeyPem: sm2PublicKeyPemIn(keysDir),
    checkpointFile: files.checkpoints,
    receiptFile: files.receipts,
  },
  session,
  values.by,
);
writeFileSync(values.out, zip);
console.log(
  `${values.out}: ${manifest.events.length} events, ${manifest.footage.length} footage segments, ${manifest.calls.length} calls, ${zip.length} bytes, ${Math.round(performance.now() - started)} ms`,
);
