import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/venue-harness.ts';
import { AlarmEngine } from '../alerts/alarms.ts';
import { keyId, signBytes } from '../sync/wire.ts';
import { verifyAnchors } from './anchor-verify.ts';
import { anchorFiles, type CheckpointSigner } from './anchors.ts';
import { type CheckpointLine, RECEIPT_PROTOCOL, type Receipt, receiptManifest } from './checkpoint-format.ts';
import { RecordAnchor } from './checkpoints.ts';
import { openDatabase } from './database.ts';
import { EventLog } from './event-log.ts';
import { inclusionProofs } from './inclusion-proofs.ts';
import { fromHex, leafInput, verifyInclusion, webSha256 } from './merkle-verify.ts';
import { checkpointSigner, signatureCheck } from './suites.ts';
import { rehashFrom, tamper, truncateLog } from './tamper-fixture.ts';
import { verifyChain } from './verify.ts';

const VENUE = 'qinshui';
const venueKey = generateKeyPairSync('ed25519');
const platformKey = generateKeyPairSync('ed25519');
const pkcs8 = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
const ed25519 = checkpointSigner(pkcs8(venueKey.privateKey));
const sm2 = checkpointSigner(pkcs8(generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey));

const open: { close(): void }[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** A venue's store and anchor on a real SQLite file in a fresh directory. */
function openVenue(dir: string, signer: CheckpointSigner = ed25519) {
  const db = openDatabase(join(dir, 'halledge.db'));
  open.push(db);
  const log = new EventLog(db, VENUE);
  const alarms = new AlarmEngine(log);
  const files = anchorFiles(dir);
  const anchor = new RecordAnchor(log, {
    venue: VENUE,
    signer,
    platformKey: signatureCheck(platformKey.publicKey),
    checkpointFile: files.checkpoints,
    receiptFile: files.receipts,
    settings: { everyEvents: 10, everySeconds: 3600 },
    alarms,
    logger: pino({ level: 'silent' }),
  });
  return { db, log, alarms, anchor, files };
}

/** 100 events with a checkpoint after every 10, the last one at shutdown; the database closed afterwards. */
async function recordedVenue(signer = ed25519): Promise<string> {
  const dir = tempDir('halledge-anchor-');
  const { db, log, anchor } = openVenue(dir, signer);
  for (let batch = 0; batch < 10; batch++) {
    log.appendMany(
      Array.from({ length: 10 }, (_, i) => ({ type: 'clock.jumped' as const, data: { byMs: batch * 10 + i } })),
    );
    await anchor.checkpoint();
  }
  await anchor.stop();
  db.close();
  return dir;
}

function verifyDir(dir: string, signer = ed25519) {
  const db = openDatabase(join(dir, 'halledge.db'));
  open.push(db);
  const files = anchorFiles(dir);
  return {
    chain: verifyChain(db),
    anchors: verifyAnchors(db, {
      venue: VENUE,
      checkpointFile: files.checkpoints,
      receiptFile: files.receipts,
      venueKey: signer.verify,
      platformKey: signatureCheck(platformKey.publicKey),
    }),
  };
}

const kinds = (v: ReturnType<typeof verifyDir>) => v.anchors.findings.map((f) => f.kind);

describe.each([
  { suite: 'Ed25519 + SHA-256', signer: ed25519 },
  { suite: '国密 SM2 + SM3', signer: sm2 },
])('verify against signed checkpoints (the attacks of issue #14), $suite', ({ signer }) => {
  const recordedVenue_ = () => recordedVenue(signer);
  const verifyDir_ = (dir: string) => verifyDir(dir, signer);

  it('an untouched record matches every checkpoint', async () => {
    const dir = await recordedVenue_();
    const v = verifyDir_(dir);
    expect(v.chain.ok).toBe(true);
    expect(v.anchors).toMatchObject({ ok: true, checkpoints: 10, matched: 10, anchoredUpTo: 100, findings: [] });
    const lines = readFileSync(anchorFiles(dir).checkpoints, 'utf8').trimEnd().split('\n');
    const suites = lines.map((l) => (JSON.parse(l) as CheckpointLine).suite ?? 'ed25519-sha256');
    expect(new Set(suites)).toEqual(new Set([signer.suite]));
  });

  it.each([
    { cut: 10, label: 'the last 10 events' },
    { cut: 50, label: 'the last half' },
  ])('deleting $label: the chain still verifies, the anchors name the truncation', async ({ cut }) => {
    const dir = await recordedVenue_();
    truncateLog(dir, 100 - cut);
    const v = verifyDir_(dir);
    expect(v.chain.ok).toBe(true);
    expect(kinds(v)).toEqual(['tail-truncated']);
    expect(v.anchors.findings[0]!.detail).toMatchObject({ logEvents: 100 - cut, signedSize: 100, missing: cut });
    expect(v.anchors.anchoredUpTo).toBe(100 - cut);
  });

  it('an edited event with the chain re-hashed after it: named, with the range between two checkpoints', async () => {
    const dir = await recordedVenue_();
    tamper(dir, (db) => {
      db.prepare(`UPDATE events SET data = '{"n":999}' WHERE seq = 35`).run();
      rehashFrom(db, 35);
    });
    const v = verifyDir_(dir);
    expect(v.chain.ok).toBe(true);
    expect(kinds(v)).toEqual(['rehashed']);
    expect(v.anchors.findings[0]!.detail).toMatchObject({ from: 31, to: 40, differs: ['root', 'head hash'] });
  });

  it('the whole log replaced by 20 fabricated events: no checkpoint matches', async () => {
    const dir = await recordedVenue_();
    tamper(dir, (db) => db.prepare('DELETE FROM events').run());
    const fake = openDatabase(join(dir, 'halledge.db'));
    new EventLog(fake, VENUE).appendMany(
      Array.from({ length: 20 }, (_, i) => ({ type: 'clock.jumped' as const, data: { byMs: i } })),
    );
    fake.close();
    const v = verifyDir_(dir);
    expect(v.chain).toMatchObject({ ok: true, events: 20 });
    expect(kinds(v).sort()).toEqual(['log-replaced', 'tail-truncated']);
    expect(v.anchors.matched).toBe(0);
  });

  it('an edited checkpoint line fails its signature and is named with its line', async () => {
    const dir = await recordedVenue_();
    const { checkpoints } = anchorFiles(dir);
    const lines = readFileSync(checkpoints, 'utf8').trimEnd().split('\n');
    const edited = JSON.parse(lines[9]!) as CheckpointLine;
    edited.size = 90;
    lines[9] = JSON.stringify(edited);
    writeFileSync(checkpoints, `${lines.join('\n')}\n`);
    const v = verifyDir_(dir);
    expect(kinds(v)).toEqual(['checkpoint-invalid']);
    expect(v.anchors.findings[0]!.detail).toMatchObject({ line: 10 });
  });

  it('receipts: a valid one counts as an anchor, a forged or non-matching one is named', async () => {
    const dir = await recordedVenue_();
    const { checkpoints, receipts } = anchorFiles(dir);
    const last = JSON.parse(readFileSync(checkpoints, 'utf8').trimEnd().split('\n').pop()!) as CheckpointLine;
    const receiptFor = (c: { size: number; root: string }, key = platformKey.privateKey): Receipt => {
      const unsigned = {
        venue: VENUE,
        size: c.size,
        root: c.root,
        headHash: last.headHash,
        checkpointSignature: last.signature,
        checkpointAt: last.at,
        receivedAt: last.at + 5,
        platformKeyId: keyId(platformKey.publicKey),
        ...(last.suite ? { suite: last.suite } : {}),
      };
      return {
        protocol: RECEIPT_PROTOCOL,
        ...unsigned,
        signature: signBytes(key, Buffer.from(receiptManifest(unsigned))),
      };
    };
    appendFileSync(receipts, `${JSON.stringify(receiptFor(last))}\n`);
    expect(verifyDir_(dir).anchors).toMatchObject({ ok: true, receipts: 1 });
    appendFileSync(receipts, `${JSON.stringify(receiptFor(last, venueKey.privateKey))}\n`);
    appendFileSync(receipts, `${JSON.stringify(receiptFor({ size: last.size, root: 'a'.repeat(64) }))}\n`);
    // The non-matching one verifies (the city signed it), so it is also an anchor the log disagrees with.
    expect(kinds(verifyDir_(dir))).toEqual(['receipt-invalid', 'receipt-unmatched', 'rehashed']);
  });
});

describe('start-up check', () => {
  it('a log behind its last checkpoint: critical alarm, degraded, no checkpoints until an administrator acknowledges', async () => {
    const dir = await recordedVenue();
    truncateLog(dir, 90);
    const { log, alarms, anchor, files } = openVenue(dir);
    expect(anchor.degraded).toBe(true);
    expect(anchor.status().loss).toMatchObject({
      reason: 'behind',
      anchor: { size: 100, source: 'checkpoint' },
      log: { headSeq: 90, hashAtAnchor: null },
    });
    const alarm = alarms.openFor('record-behind-checkpoint', 'record');
    expect(alarm).toMatchObject({ level: 3, state: 'raised' });
    const linesBefore = readFileSync(files.checkpoints, 'utf8');
    expect(await anchor.checkpoint()).toBeNull();

    const signed = await anchor.acknowledgeLoss('admin', 'disk restored from an older backup');
    expect(anchor.degraded).toBe(false);
    const [ack] = log.query({ type: 'record.loss-acknowledged' });
    expect(ack).toMatchObject({ actor: 'admin', data: { loss: 'behind', eventsMissing: 10 } });
    expect(alarms.get(alarm!.id)).toMatchObject({ state: 'resolved', resolvedBy: 'admin' });
    expect(signed?.size).toBe(log.head.seq);
    expect(readFileSync(files.checkpoints, 'utf8').startsWith(linesBefore)).toBe(true);
    await anchor.stop();

    // The next start takes the checkpoint signed after the acknowledgement as the anchor.
    expect(openVenue(dir).anchor.degraded).toBe(false);
    // verify still names the cut, now as an acknowledged loss.
    const [finding] = verifyDir(dir).anchors.findings;
    expect(finding).toMatchObject({ kind: 'tail-truncated', acknowledgedAt: ack!.seq });
  });

  it('a re-hashed log as long as its checkpoint disagrees with it', async () => {
    const dir = await recordedVenue();
    tamper(dir, (db) => {
      db.prepare(`UPDATE events SET type = 'door.denied' WHERE seq = 97`).run();
      rehashFrom(db, 97);
    });
    const { anchor } = openVenue(dir);
    expect(anchor.status().loss).toMatchObject({ reason: 'disagrees', anchor: { size: 100 }, log: { headSeq: 100 } });
  });

  it('an intact log resumes from the last checkpoint frontier and keeps signing consistent tree heads', async () => {
    const dir = await recordedVenue();
    const { log, anchor } = openVenue(dir);
    expect(anchor.degraded).toBe(false);
    log.appendMany(Array.from({ length: 7 }, () => ({ type: 'edge.stopped' as const })));
    const line = await anchor.checkpoint();
    expect(line?.size).toBe(107);
    await anchor.stop();
    expect(verifyDir(dir).anchors).toMatchObject({ ok: true, matched: 11 });
  });
});

describe('inclusion proofs for the evidence package', () => {
  it('each event proves its place under the root the venue signed (WebCrypto verifier)', async () => {
    const dir = await recordedVenue();
    const db = openDatabase(join(dir, 'halledge.db'));
    open.push(db);
    const line = JSON.parse(
      readFileSync(anchorFiles(dir).checkpoints, 'utf8').trimEnd().split('\n')[6]!,
    ) as CheckpointLine;
    const seqs = [1, 35, line.size];
    const proofs = inclusionProofs(db, seqs, line.size);
    for (const proof of proofs) {
      const hash = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(proof.seq) as string;
      const leaf = await webSha256(leafInput(fromHex(hash)));
      const path = proof.path.map(fromHex);
      expect(await verifyInclusion(proof.seq - 1, line.size, leaf, path, fromHex(line.root))).toBe(true);
      expect(await verifyInclusion(proof.seq, line.size, leaf, path, fromHex(line.root))).toBe(false);
    }
    expect(() => inclusionProofs(db, [1], 1000)).toThrow(/holds 100 events, not the 1000/);
  });
});
