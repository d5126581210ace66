// Building the evidence package of one session: its events with inclusion proofs against the signed checkpoint
// (and the city's receipt of it), its footage segments and call recordings, check-in records (no face images:
// the record holds none), a Chinese summary and the offline verifier, all listed with their hashes in a
// manifest the venue signs. Read straight from the venue's database and files, so the CLI works on a copy.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Zippable, zipSync } from 'fflate';
import { CLOCK_EVENT_TYPES, type ClockDoubtSpan, clockDoubtSpans } from '../clock/clock-doubt.ts';
import { DomainError } from '../domain-error.ts';
import type { SessionRow } from '../sessions/session-service.ts';
import { readAnchors } from '../store/anchors.ts';
import type { Receipt } from '../store/checkpoint-format.ts';
import type { Db } from '../store/database.ts';
import type { EventRow } from '../store/event-log.ts';
import { inclusionProofs } from '../store/inclusion-proofs.ts';
import { pemKeyId, signatureCheck } from '../store/suites.ts';
import type { VenueKey } from '../sync/keys.ts';
import { signBytes, verifyBytes } from '../sync/wire.ts';
import { gapsIn, type TimeRange } from '../video/coverage.ts';
import {
  type CallEntry,
  callPath,
  EVIDENCE_PROTOCOL,
  type EvidenceManifest,
  type FileEntry,
  type FootageEntry,
  footagePath,
  PACKAGE_FILES,
  type PackageAnchors,
  type PackagedEvent,
} from './package-format.ts';
import { summaryHtml } from './summary.ts';
import { verifierHtml } from './verifier-html.ts';

/** Footage just before the session opened and after it ended belongs to it (as for replay). */
const MARGIN_MS = 5 * 60_000;

export interface EvidenceSource {
  db: Db;
  dataDir: string;
  venue: string;
  key: VenueKey;
  /** The city platform's public key (SPKI PEM), when the venue holds it. */
  platformKeyPem: string | null;
  /** The venue's SM2 public key (SPKI PEM) when it signs checkpoints in the 国密 suite. */
  checkpointKeyPem?: string | null;
  checkpointFile: string;
  receiptFile: string;
}

interface SegmentRow {
  id: number;
  camera: string;
  start_ms: number;
  end_ms: number;
  path: string;
  sha256: string;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The package as zip bytes, and its manifest. */
export async function exportEvidence(
  src: EvidenceSource,
  sessionId: string,
  exportedBy: string,
  now = Date.now(),
): Promise<{ zip: Uint8Array; manifest: EvidenceManifest }> {
  const { db } = src;
  const session = db.prepare('SELECT * FROM sessions WHERE id = ?').get(sessionId) as SessionRow | undefined;
  if (!session) throw new DomainError('not-found', `session: no session ${sessionId}`);
  const span = db.prepare('SELECT MIN(at) AS first, MAX(at) AS last FROM events WHERE session = ?').get(sessionId) as {
    first: number | null;
    last: number | null;
  };
  const window = {
    from: Math.min(session.starts_at, span.first ?? session.starts_at) - MARGIN_MS,
    to: Math.max(session.ends_at, span.last ?? session.ends_at) + MARGIN_MS,
  };
  // The session's own events, and what the recorders said about footage in its window.
  const rows = db
    .prepare(`SELECT * FROM events WHERE session = ? OR (type LIKE 'video.%' AND at >= ? AND at < ?) ORDER BY seq`)
    .all(sessionId, window.from, window.to) as EventRow[];

  const anchors = pickAnchors(src, rows.at(-1)?.seq ?? 0);
  const size = anchors.checkpoint?.size ?? 0;
  const proofs = new Map(
    inclusionProofs(
      db,
      rows.filter((r) => r.seq <= size).map((r) => r.seq),
      size,
      anchors.checkpoint?.suite,
    ).map((p) => [p.seq, p.path]),
  );
  const events: PackagedEvent[] = rows.map((r) => ({
    seq: r.seq,
    venue: r.venue,
    at: r.at,
    type: r.type,
    session: r.session,
    actor: r.actor,
    method: r.method,
    subject: r.subject,
    data: r.data,
    format: r.format,
    prevHash: r.prev_hash,
    hash: r.hash,
    proof: proofs.get(r.seq) ?? null,
  }));

  const content: Record<string, Uint8Array> = {};
  const utf8 = (s: string) => new TextEncoder().encode(s);
  content[PACKAGE_FILES.events] = utf8(`${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  content[PACKAGE_FILES.anchors] = utf8(JSON.stringify(anchors, null, 2));
  const checkins = db
    .prepare(
      'SELECT pseudonym, seat, badge, locker_bank AS lockerBank, locker_compartment AS lockerCompartment, method, at, seq FROM session_checkins WHERE session = ? ORDER BY at',
    )
    .all(sessionId);
  content[PACKAGE_FILES.checkins] = utf8(JSON.stringify(checkins, null, 2));

  const footage = sessionFootage(db, sessionId, window);
  const footageEntries: FootageEntry[] = footage.map((s) => ({
    camera: s.camera,
    segment: s.id,
    path: footagePath(s.camera, s.id),
    start: s.start_ms,
    end: s.end_ms,
    sha256: s.sha256,
  }));
  footage.forEach((s, i) => {
    content[footageEntries[i]!.path] = readFileSync(resolve(src.dataDir, s.path));
  });

  const calls: CallEntry[] = [];
  for (const e of events.filter((x) => x.type === 'intercom.recording')) {
    const data = JSON.parse(e.data) as { file?: string };
    if (!data.file || !e.subject) continue;
    const path = callPath(e.subject);
    content[path] = readFileSync(resolve(src.dataDir, data.file));
    calls.push({ call: e.subject, path, recordingEvent: e.seq });
  }

  const cameras = cameraGaps(db, sessionId, window, footage);
  const clockDoubts = clockDoubtsUpTo(db, rows.at(-1)?.seq ?? 0);
  content[PACKAGE_FILES.summary] = utf8(
    summaryHtml({
      session,
      events,
      checkins: checkins.length,
      cameras,
      calls: calls.length,
      anchors,
      clockDoubts,
      now,
    }),
  );

  const files: FileEntry[] = Object.entries(content).map(([path, bytes]) => ({
    path,
    sha256: sha256(bytes),
    bytes: bytes.length,
  }));
  const manifest: EvidenceManifest = {
    protocol: EVIDENCE_PROTOCOL,
    venue: src.venue,
    session: sessionId,
    exportedAt: now,
    exportedBy,
    venueKey: { keyId: src.key.keyId, pem: src.key.publicKeyPem },
    platformKey: src.platformKeyPem ? { keyId: keyIdOf(src.platformKeyPem), pem: src.platformKeyPem } : null,
    ...(src.checkpointKeyPem
      ? { checkpointKey: { keyId: pemKeyId(src.checkpointKeyPem), pem: src.checkpointKeyPem } }
      : {}),
    events: events.map((e) => ({ seq: e.seq, hash: e.hash })),
    footage: footageEntries,
    calls,
    files,
  };
  const manifestBytes = utf8(JSON.stringify(manifest, null, 2));
  const zippable: Zippable = {};
  // Footage and calls are compressed already: store them.
  for (const [path, bytes] of Object.entries(content))
    zippable[path] = [bytes, { level: path.endsWith('.mp4') || path.endsWith('.ogg') ? 0 : 6 }];
  zippable[PACKAGE_FILES.manifest] = manifestBytes;
  zippable[PACKAGE_FILES.signature] = utf8(signBytes(src.key.privateKey, Buffer.from(manifestBytes)));
  zippable[PACKAGE_FILES.verifier] = utf8(await verifierHtml());
  return { zip: zipSync(zippable, { mtime: new Date(now) }), manifest };
}

const keyIdOf = (pem: string) => {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
};

/**
 * The checkpoint the proofs lead to: the smallest the city countersigned that covers every event of the
 * package, else the smallest venue checkpoint that does, else the latest (events after it are chain-only).
 */
function pickAnchors(src: EvidenceSource, lastSeq: number): PackageAnchors {
  const venueKey = signatureCheck(src.key.publicKey);
  // A venue in the 国密 suite signs its checkpoints with its SM2 key (the suite is inside what is signed).
  const sm2Key = src.checkpointKeyPem ? signatureCheck(src.checkpointKeyPem) : null;
  const platformKey = src.platformKeyPem;
  const anchors = readAnchors({
    venue: src.venue,
    checkpointFile: src.checkpointFile,
    receiptFile: src.receiptFile,
    venueKey: (bytes, signature) => venueKey(bytes, signature) || (sm2Key?.(bytes, signature) ?? false),
    platformKey: platformKey ? (bytes, signature) => verifyBytes(platformKey, Buffer.from(bytes), signature) : null,
  });
  const covering = anchors.checkpoints.filter((c) => c.size >= lastSeq).sort((a, b) => a.size - b.size);
  const receiptOf = (size: number): Receipt | null => anchors.receipts.find((r) => r.size === size) ?? null;
  const chosen = covering.find((c) => receiptOf(c.size)) ?? covering[0] ?? anchors.checkpoints.at(-1) ?? null;
  if (!chosen) return { checkpoint: null, receipt: null };
  const { frontier: _frontier, ...checkpoint } = chosen;
  return { checkpoint, receipt: receiptOf(chosen.size) };
}

/** Segments bound to the session by its footage locks, or its room's footage over the window without locks. */
function sessionFootage(db: Db, session: string, window: { from: number; to: number }): SegmentRow[] {
  const hasVideo = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'video_segments'").pluck().get();
  if (!hasVideo) return [];
  return db
    .prepare(
      `SELECT DISTINCT s.id, s.camera, s.start_ms, s.end_ms, s.path, s.sha256 FROM video_segments s
       JOIN video_locks l ON l.camera = s.camera AND s.end_ms > MAX(l.from_ms, ?) AND s.start_ms < MIN(l.to_ms, ?)
       WHERE l.session = ? ORDER BY s.camera, s.start_ms`,
    )
    .all(window.from, window.to, session) as SegmentRow[];
}

/** Each locked camera's gaps over the time its lock binds to the session (as the replay API measures them). */
function cameraGaps(db: Db, session: string, window: TimeRange, footage: SegmentRow[]) {
  const locks = db
    .prepare(
      'SELECT camera, from_ms AS "from", to_ms AS "to" FROM video_locks WHERE session = ? ORDER BY camera, from_ms',
    )
    .all(session) as { camera: string; from: number; to: number }[];
  return [...new Set(locks.map((l) => l.camera))].map((camera) => {
    const segments = footage.filter((s) => s.camera === camera).map((s) => ({ start: s.start_ms, end: s.end_ms }));
    const gaps = locks
      .filter((l) => l.camera === camera)
      .flatMap((l) => gapsIn(segments, { from: Math.max(l.from, window.from), to: Math.min(l.to, window.to) }));
    return { camera, segments: segments.length, gaps };
  });
}

/** Where the record's times were doubtful (edge/clock/clock-doubt.ts), read from the venue's clock events. */
function clockDoubtsUpTo(db: EvidenceSource['db'], lastSeq: number): ClockDoubtSpan[] {
  const marks = CLOCK_EVENT_TYPES.map(() => '?').join(', ');
  const rows = db
    .prepare(`SELECT seq, type, subject, data FROM events WHERE seq <= ? AND type IN (${marks}) ORDER BY seq`)
    .all(lastSeq, ...CLOCK_EVENT_TYPES) as { seq: number; type: string; subject: string | null; data: string }[];
  return clockDoubtSpans(rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> })));
}
