// Usage: npm run verify -- <path/to/venue.db> [--checkpoints <file>] [--receipts <file>] [--keys <dir>]
//          [--venue-key <SPKI PEM>] [--platform-key <SPKI PEM>] [--venue <id>]
// Walks the whole hash chain and prints every broken range, then checks the log against the signed checkpoints
// and the city's receipts kept outside the database (by default beside it, with the public keys in the key
// directory's sync/). Exit 1 if anything is wrong.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { defaultKeysDir } from '../keys-dir.ts';
import { verifyAnchors } from './anchor-verify.ts';
import { anchorFiles } from './anchors.ts';
import { readJsonl } from './jsonl-file.ts';
import { signatureCheck, sm2KeyFiles } from './suites.ts';
import { describeFinding, verifyChain } from './verify.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    checkpoints: { type: 'string' },
    receipts: { type: 'string' },
    'venue-key': { type: 'string' },
    'platform-key': { type: 'string' },
    venue: { type: 'string' },
    keys: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: npm run verify -- <path to the venue database, e.g. data/jincheng/halledge.db> [options]');
  process.exit(2);
}
// Read-only: an audit must not change the file it audits (no migrations, no journal mode).
const db = new Database(file, { readonly: true, fileMustExist: true });
let broken = false;
const report = verifyChain(db);
if (report.ok) {
  console.log(`chain intact: ${report.events} events, head #${report.headSeq} ${report.headHash}`);
} else {
  broken = true;
  console.error(
    `chain BROKEN: ${report.findings.length} finding(s) over ${report.events} events read to #${report.headSeq}`,
  );
  for (const finding of report.findings) console.error(`  ${describeFinding(finding)}`);
}

const dir = dirname(file);
const files = anchorFiles(dir);
const keysDir = values.keys ?? (existsSync(defaultKeysDir(dir)) ? defaultKeysDir(dir) : dir);
const checkpointFile = values.checkpoints ?? files.checkpoints;
// The venue the checkpoints name (an attacker who rewrote the log may have rewritten its venue column too), and
// their suite: 国密 checkpoints are checked with the venue's SM2 key.
const firstCheckpoint = readJsonl(checkpointFile).find((l) => l.error === undefined)?.value as
  | { venue?: string; suite?: string }
  | undefined;
const venueKeyFile =
  values['venue-key'] ??
  (firstCheckpoint?.suite === 'sm2-sm3' ? sm2KeyFiles(keysDir).publicKey : join(keysDir, 'sync', 'venue-ed25519.pub'));
const platformKeyFile = values['platform-key'] ?? join(keysDir, 'sync', 'platform-ed25519.pub');
if (!existsSync(venueKeyFile)) {
  console.error(`anchors NOT checked: no venue public key at ${venueKeyFile} (give --venue-key)`);
  process.exit(1);
}
const pem = (path: string) => readFileSync(path, 'utf8');
const venueKey = pem(venueKeyFile);
const platformKey = existsSync(platformKeyFile) ? pem(platformKeyFile) : null;
const venue =
  values.venue ??
  firstCheckpoint?.venue ??
  (db.prepare('SELECT venue FROM events ORDER BY seq LIMIT 1').pluck().get() as string | undefined) ??
  '';
const anchors = verifyAnchors(db, {
  venue,
  checkpointFile,
  receiptFile: values.receipts ?? files.receipts,
  venueKey: signatureCheck(venueKey),
  platformKey: platformKey ? signatureCheck(platformKey) : null,
});
console.log(
  `anchors: ${anchors.checkpoints} checkpoints, ${anchors.receipts} receipts${platformKey ? '' : ' (platform key unknown: receipt signatures not checked)'}; ${anchors.matched} match the log, which is signed up to #${anchors.anchoredUpTo}`,
);
for (const f of anchors.findings) {
  broken = true;
  const ack = f.acknowledgedAt ? ` [loss acknowledged by an administrator, event #${f.acknowledgedAt}]` : '';
  console.error(`${f.kind}: ${f.message}${ack}`);
}
process.exit(broken ? 1 : 0);
