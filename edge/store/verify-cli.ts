// Usage: npm run verify -- <path/to/venue.db> [--checkpoints <file>] [--receipts <file>] [--keys <dir>]
//          [--venue-key <SPKI PEM>] [--platform-key <SPKI PEM>] [--venue <id>]
// Checks the hash chain, then the log against the signed checkpoints and the city's receipts kept outside the
// database (by default beside it; the public keys under <keys>/sync/, where <keys> is the keys directory beside
// the data directory, `<dir>-keys`, or the data directory itself as in older editions). Exit 1 if anything is wrong.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyAnchors } from './anchor-verify.ts';
import { anchorFiles } from './anchors.ts';
import { openDatabase } from './database.ts';
import { readJsonl } from './jsonl-file.ts';
import { signatureCheck, sm2KeyFiles } from './suites.ts';
import { verifyChain } from './verify.ts';

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
const db = openDatabase(file);
let broken = false;
const verdict = verifyChain(db);
if (verdict.ok) {
  console.log(`chain intact: ${verdict.events} events, head #${verdict.headSeq} ${verdict.headHash}`);
} else {
  broken = true;
  console.error(
    `chain BROKEN at event #${verdict.brokenAt}: ${verdict.reason} (${verdict.events} events verified before it)`,
  );
}

const dir = dirname(file);
const files = anchorFiles(dir);
const keysDir = values.keys ?? (existsSync(`${resolve(dir)}-keys`) ? `${resolve(dir)}-keys` : dir);
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
