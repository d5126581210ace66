// A venue's data directory holding one finished session, for the evidence tests and the bench: events in a real
// SQLite log (check-ins, an alarm raised and resolved, a call with its recording), footage segments locked to
// the session with a gap, a checkpoint signed by the venue key and countersigned by a platform key.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations as sessionMigrations } from '../sessions/projection.ts';
import { anchorFiles } from '../store/anchors.ts';
import { checkpointManifest, receiptManifest } from '../store/checkpoint-format.ts';
import { type Db, migrate, openDatabase } from '../store/database.ts';
import { CHAIN_FORMAT, EventLog, SM3_CHAIN_FORMAT } from '../store/event-log.ts';
import { eventLeaf, MerkleTree } from '../store/merkle.ts';
import { toHex } from '../store/merkle-verify.ts';
import { checkpointSigner, loadOrCreateSm2Key, sm2PublicKeyPemIn, treeDigest } from '../store/suites.ts';
import { loadOrCreateVenueKey, platformKeyFile, type VenueKey } from '../sync/keys.ts';
import { keyId, signBytes } from '../sync/wire.ts';
import { SegmentIndex } from '../video/segment-index.ts';
import type { EvidenceSource } from './export-evidence.ts';

export const VENUE = 'jincheng';
export const SESSION = 's-2026-001';

export interface FixtureOptions {
  cameras?: number;
  hours?: number;
  segmentSeconds?: number;
  segmentBytes?: number;
  /** Events per expert-minute of background activity (door passages). */
  checkins?: number;
  /** A venue in the 国密 suite: SM3 chain, checkpoint signed with SM2 over an SM3 tree. */
  guomi?: boolean;
  /** The venue whose record it is (default jincheng). */
  venue?: string;
}

export interface Fixture {
  dir: string;
  db: Db;
  log: EventLog;
  key: VenueKey;
  source: EvidenceSource;
  /** Where footage is missing on cam-1, ms. */
  gap: { from: number; to: number };
}

export function buildFixture(o: FixtureOptions = {}): Fixture {
  const cameras = o.cameras ?? 2;
  const hours = o.hours ?? 0.05;
  const segMs = (o.segmentSeconds ?? 30) * 1000;
  const segBytes = o.segmentBytes ?? 2048;
  const experts = o.checkins ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
  const db = openDatabase(join(dir, 'halledge.db'));
  migrate(db, 'sessions', sessionMigrations);
  const venue = o.venue ?? VENUE;
  const log = new EventLog(db, venue, o.guomi ? SM3_CHAIN_FORMAT : CHAIN_FORMAT);
  const key = loadOrCreateVenueKey(dir);
  const start = Date.UTC(2026, 11, 1, 1, 0, 0);
  const end = start + hours * 3600_000;
  db.prepare(
    `INSERT INTO sessions (id, transaction_code, project_code, project_name, room, starts_at, ends_at, state, source, updated_at)
     VALUES (?, 'JY-2026-001', 'P-001', '市政道路工程', 'room-1', ?, ?, 'completed', 'test', ?)`,
  ).run(SESSION, start, end, end);
  // Another session's events interleave with this one's: the package holds only this one's.
  const scheduled = (room: string) => ({
    source: 'test',
    transactionCode: 'JY-2026-001',
    project: { code: 'P-001', name: '市政道路工程' },
    room,
    start,
    end,
    remote: null,
  });
  log.append({
    type: 'session.scheduled',
    session: 'other',
    actor: 'admin',
    at: start - 60_000,
    data: scheduled('room-2'),
  });
  log.append({
    type: 'session.scheduled',
    session: SESSION,
    actor: 'admin',
    at: start - 50_000,
    data: scheduled('room-1'),
  });
  for (let i = 0; i < experts; i++) {
    const pseudonym = `E-${String(i + 1).padStart(3, '0')}`;
    const at = start + i * 1000;
    const e = log.append({
      type: 'checkin.accepted',
      session: SESSION,
      actor: pseudonym,
      method: 'id-card+face',
      at,
      data: { pseudonym, verifiedBy: 'face-1', seat: `A${i + 1}`, badge: null, locker: null },
    });
    db.prepare(
      "INSERT INTO session_checkins (session, pseudonym, seat, method, at, seq) VALUES (?, ?, ?, 'id-card+face', ?, ?)",
    ).run(SESSION, pseudonym, `A${i + 1}`, at, e.seq);
    log.append({
      type: 'access.passage',
      session: 'other',
      actor: pseudonym,
      subject: 'door-2',
      at: at + 10,
      data: { device: 'door-2', door: 'door-2', direction: 'in', count: 1, grantId: null, unexpected: 0 },
    });
  }
  log.append({
    type: 'alarm.raised',
    session: SESSION,
    actor: 'system',
    subject: 'door-1',
    at: start + 60_000,
    data: { alarmId: 'a1', kind: 'held-open', level: 2, details: {} },
  });
  log.append({
    type: 'alarm.resolved',
    session: SESSION,
    actor: 'witness-1',
    subject: 'door-1',
    at: start + 90_000,
    data: { alarmId: 'a1', note: '已关门' },
  });

  // A call and its recording (the intercom's own event carries the file's hash).
  const recording = Buffer.from('OggS fake opus recording of call c1');
  mkdirSync(join(dir, 'recordings', 'intercom', SESSION), { recursive: true });
  const recordingFile = join('recordings', 'intercom', SESSION, 'c1.ogg');
  writeFileSync(join(dir, recordingFile), recording);
  log.append({
    type: 'intercom.call-ended',
    session: SESSION,
    actor: 'station-1',
    subject: 'c1',
    at: start + 100_000,
    data: { callId: 'c1', reason: 'hung up', answered: true, durationS: 60 },
  });
  log.append({
    type: 'intercom.recording',
    session: SESSION,
    actor: 'system',
    subject: 'c1',
    at: start + 100_500,
    data: {
      callId: 'c1',
      file: recordingFile,
      bytes: recording.length,
      sha256: sha256(recording),
      seconds: 60,
      codec: 'opus',
      channels: ['station', 'console'],
    },
  });

  // Footage: every camera over the session, cam-1 missing one segment.
  const index = new SegmentIndex(db);
  mkdirSync(join(dir, 'video'), { recursive: true });
  let gap = { from: 0, to: 0 };
  for (let c = 1; c <= cameras; c++) {
    const camera = `cam-${c}`;
    index.lock({ session: SESSION, camera, from: start - 300_000, to: end + 300_000, until: end + 180 * 86_400_000 });
    let n = 0;
    for (let t = start - 300_000; t < end + 300_000; t += segMs, n++) {
      if (c === 1 && n === 2) {
        gap = { from: t, to: t + segMs };
        continue;
      }
      const bytes = Buffer.alloc(segBytes, (c * 31 + n) % 251);
      const path = join('video', `${camera}-${n}.mp4`);
      writeFileSync(join(dir, path), bytes);
      index.add({ camera, start: t, end: t + segMs, size: bytes.length, path, sha256: sha256(bytes) });
    }
  }
  log.append({
    type: 'session.state-changed',
    session: SESSION,
    actor: 'witness-1',
    at: end,
    data: { from: 'in-progress', to: 'completed', reason: null },
  });

  // The venue signs a checkpoint of everything so far; the city countersigns it.
  const files = anchorFiles(dir);
  const hashes = db.prepare('SELECT hash FROM events ORDER BY seq').pluck().all() as string[];
  const signer = checkpointSigner(
    o.guomi ? loadOrCreateSm2Key(dir) : key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const suite = o.guomi ? ({ suite: 'sm2-sm3' } as const) : {};
  const digest = treeDigest(signer.suite);
  const tree = new MerkleTree(
    hashes.map((h) => eventLeaf(h, digest)),
    undefined,
    digest,
  );
  const unsigned = {
    venue,
    keyId: signer.keyId,
    size: hashes.length,
    root: toHex(tree.root()),
    headHash: hashes.at(-1)!,
    at: end + 1000,
    ...suite,
  };
  const checkpoint = {
    protocol: 'halledge-checkpoint/1' as const,
    ...unsigned,
    signature: signer.sign(checkpointManifest(unsigned)),
  };
  writeFileSync(files.checkpoints, `${JSON.stringify({ ...checkpoint, frontier: [] })}\n`);
  const platform = generateKeyPairSync('ed25519');
  writeFileSync(platformKeyFile(dir), platform.publicKey.export({ type: 'spki', format: 'pem' }));
  const receiptBody = {
    venue,
    size: checkpoint.size,
    root: checkpoint.root,
    headHash: checkpoint.headHash,
    checkpointSignature: checkpoint.signature,
    checkpointAt: checkpoint.at,
    receivedAt: checkpoint.at + 500,
    platformKeyId: keyId(platform.publicKey),
    ...suite,
  };
  const receipt = {
    protocol: 'halledge-receipt/1',
    ...receiptBody,
    signature: signBytes(platform.privateKey, Buffer.from(receiptManifest(receiptBody))),
  };
  writeFileSync(files.receipts, `${JSON.stringify(receipt)}\n`);
  // An event after the checkpoint: in the package on the chain alone.
  log.append({
    type: 'session.updated',
    session: SESSION,
    actor: 'admin',
    at: end + 5000,
    data: { source: 'console', changes: { room: { from: 'room-1', to: 'room-1' } } },
  });

  return {
    dir,
    db,
    log,
    key,
    gap,
    source: {
      db,
      dataDir: dir,
      venue,
      key,
      platformKeyPem: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      checkpointKeyPem: sm2PublicKeyPemIn(dir),
      checkpointFile: files.checkpoints,
      receiptFile: files.receipts,
    },
  };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
