// The city platform ("1+4": city hall and four county venues) as the venues see it: it checks each venue's
// signature and hash chain, keeps every event exactly once per venue + seq, and signs schedules going down.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { describeSchemaError } from '../config/json-schema.ts';
import type { CheckpointSuite } from '../edge/store/checkpoint-format.ts';
import { type Db, openDatabase } from '../edge/store/database.ts';
import { GENESIS_HASH } from '../edge/store/event-log.ts';
import { pemKeyId, signatureCheck } from '../edge/store/suites.ts';
import {
  type BatchAnswer,
  batchManifest,
  type DownlinkEnvelope,
  downlinkManifest,
  keyId,
  PROTOCOL,
  pullManifest,
  type RedactedView,
  type SignedBatch,
  sha256,
  signBytes,
  type UpstreamEvent,
  verifyBytes,
  viewJson,
} from '../edge/sync/wire.ts';
import { CheckpointNotary } from './checkpoints.ts';
import { FaultPlan } from './faults.ts';
import { scanForbidden, type Violation } from './forbidden-scan.ts';

const Hex64 = T.String({ pattern: '^[0-9a-f]{64}$' });
// Type lists rather than unions: one check per value (a batch has thousands of events).
const Nullable = T.Unsafe<string | null>({ type: ['string', 'null'] });
const BatchShape = T.Object({
  protocol: T.Literal(PROTOCOL),
  venue: T.String({ minLength: 1 }),
  keyId: T.String({ minLength: 1 }),
  firstSeq: T.Integer({ minimum: 1 }),
  lastSeq: T.Integer({ minimum: 1 }),
  prevHash: Hex64,
  lastHash: Hex64,
  suite: T.Optional(T.Literal('sm2-sm3')),
  signature: T.String({ minLength: 1 }),
  events: T.Array(
    // Event hashes need no pattern: each must equal its neighbour's link, and the ends are the header's.
    T.Object({
      seq: T.Integer({ minimum: 1 }),
      prevHash: T.String(),
      hash: T.String(),
      at: T.Integer(),
      type: T.String({ minLength: 1 }),
      session: Nullable,
      subject: Nullable,
      actor: Nullable,
      method: Nullable,
      body: T.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'] }),
      bodyDigest: T.String(),
    }),
    { minItems: 1 },
  ),
});
const validateBatch = new Ajv({ strict: false }).compile<SignedBatch>(BatchShape);

const schema = `
  CREATE TABLE IF NOT EXISTS venues (
    id TEXT PRIMARY KEY, public_key TEXT NOT NULL, key_id TEXT NOT NULL,
    head_seq INTEGER NOT NULL DEFAULT 0, head_hash TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS checkpoint_keys (venue TEXT PRIMARY KEY, public_key TEXT NOT NULL, key_id TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS enrol_tokens (venue TEXT PRIMARY KEY, token TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY, venue TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
    prev_hash TEXT NOT NULL, last_hash TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL,
    received_at INTEGER NOT NULL, stored INTEGER NOT NULL, suite TEXT);
  CREATE TABLE IF NOT EXISTS events (
    venue TEXT NOT NULL, seq INTEGER NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, at INTEGER NOT NULL,
    type TEXT NOT NULL, view TEXT NOT NULL, body_digest TEXT NOT NULL, batch INTEGER NOT NULL,
    PRIMARY KEY (venue, seq)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS downlink (
    venue TEXT NOT NULL, seq INTEGER NOT NULL, envelope TEXT NOT NULL, PRIMARY KEY (venue, seq));
`;

/** What the platform holds of one venue's event (the view is what the venue uploaded, chain position apart). */
export interface StoredEvent extends UpstreamEvent {
  batch: number;
}

export interface StoredBatch {
  id: number;
  venue: string;
  firstSeq: number;
  lastSeq: number;
  prevHash: string;
  lastHash: string;
  keyId: string;
  /** `sm2-sm3` for a batch signed in the 国密 suite, else absent. */
  suite?: 'sm2-sm3';
  signature: string;
  stored: number;
}

export interface VenueCounters {
  batches: number;
  accepted: number;
  /** Events received again that the platform already held (kept once). */
  duplicateEvents: number;
  gaps: number;
  rejected: number;
}

/** The platform's answer with the HTTP status it goes out with. */
export interface Reception {
  http: number;
  answer: BatchAnswer;
}

const reject = (http: number, error: string): Reception => ({ http, answer: { status: 'rejected', error } });

export interface CityPlatformOptions {
  /** SQLite file (':memory:' for a throwaway platform). */
  dbFile: string;
  /** PKCS8 PEM file of the platform's Ed25519 signing key; created if missing. Default: a fresh key. */
  keyFile?: string;
  /** Refuse batches carrying forbidden fields (default true); they are counted either way. */
  rejectForbidden?: boolean;
}

export class CityPlatform extends EventEmitter<{ downlink: [DownlinkEnvelope] }> {
  readonly db: Db;
  readonly faults = new FaultPlan();
  readonly publicKeyPem: string;
  /** Forbidden fields found in uploads, with the venue and batch range they came in. */
  readonly violations: (Violation & { venue: string; firstSeq: number })[] = [];
  private readonly privateKey: KeyObject;
  /** Venues' signed checkpoints: checked, countersigned, receipts returned (checkpoints.ts). */
  readonly notary: CheckpointNotary;
  private readonly counters = new Map<string, VenueCounters>();
  private readonly lastAnswer = new Map<string, BatchAnswer>();

  constructor(private readonly options: CityPlatformOptions) {
    super();
    this.db = openDatabase(options.dbFile);
    this.db.exec(schema);
    // A city database made before 国密 batches has no suite column.
    if (!this.db.prepare("SELECT 1 FROM pragma_table_info('batches') WHERE name = 'suite'").get())
      this.db.exec('ALTER TABLE batches ADD COLUMN suite TEXT');
    this.privateKey = loadOrCreateKey(options.keyFile);
    this.publicKeyPem = createPublicKey(this.privateKey).export({ type: 'spki', format: 'pem' }).toString();
    this.notary = new CheckpointNotary({
      db: this.db,
      privateKey: this.privateKey,
      venueKey: (venue, suite) => this.registeredKey(venue, suite),
      heldHash: (venue, seq) =>
        (this.db.prepare('SELECT hash FROM events WHERE venue = ? AND seq = ?').pluck().get(venue, seq) as
          | string
          | undefined) ?? null,
    });
  }

  // ─── venues and keys ───────────────────────────────────────────────────────

  /** Registers (or replaces) a venue's public key out of band, as a city administrator would. */
  registerVenue(venue: string, publicKeyPem: string): void {
    const id = keyId(createPublicKey(publicKeyPem));
    this.db
      .prepare(
        `INSERT INTO venues (id, public_key, key_id, head_hash) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, key_id = excluded.key_id`,
      )
      .run(venue, publicKeyPem, id, GENESIS_HASH);
  }

  /** Registers a venue's SM2 checkpoint key (国密 suite) out of band; its sync key stays the one above. */
  registerCheckpointKey(venue: string, publicKeyPem: string): void {
    this.db
      .prepare('INSERT OR REPLACE INTO checkpoint_keys (venue, public_key, key_id) VALUES (?, ?, ?)')
      .run(venue, publicKeyPem, pemKeyId(publicKeyPem));
  }

  /** A one-time token the venue's first start uses to register its key (POST /v1/enrol). */
  issueEnrolToken(venue: string): string {
    const token = randomBytes(18).toString('base64url');
    this.db.prepare('INSERT OR REPLACE INTO enrol_tokens (venue, token) VALUES (?, ?)').run(venue, token);
    return token;
  }

  enrol(input: unknown): { http: number; error?: string } {
    const { venue, publicKey, token } = (input ?? {}) as Record<string, unknown>;
    if (typeof venue !== 'string' || typeof publicKey !== 'string' || typeof token !== 'string')
      return { http: 400, error: 'enrol needs venue, publicKey and token strings' };
    const known = this.venueRow(venue);
    // Idempotent: the venue may not have seen our first answer.
    if (known && known.public_key === publicKey) return { http: 200 };
    const issued = this.db.prepare('SELECT token FROM enrol_tokens WHERE venue = ?').pluck().get(venue);
    if (issued !== token) return { http: 403, error: `no valid enrolment token for ${venue}` };
    try {
      this.registerVenue(venue, publicKey);
    } catch (err) {
      return { http: 400, error: `publicKey: ${(err as Error).message}` };
    }
    this.db.prepare('DELETE FROM enrol_tokens WHERE venue = ?').run(venue);
    return { http: 200 };
  }

  private venueRow(venue: string) {
    return this.db.prepare('SELECT * FROM venues WHERE id = ?').get(venue) as
      | { id: string; public_key: string; key_id: string; head_seq: number; head_hash: string }
      | undefined;
  }

  // ─── upstream ──────────────────────────────────────────────────────────────

  /** Checks and stores one batch; the answer is what the transport sends back. */
  receive(raw: unknown, now = Date.now()): Reception {
    const reception = this.check(raw, now);
    const venue = (raw as { venue?: unknown } | null)?.venue;
    if (typeof venue === 'string') {
      const c = this.countersOf(venue);
      c.batches++;
      if (reception.answer.status === 'gap') c.gaps++;
      if (reception.answer.status === 'rejected') c.rejected++;
      if (reception.answer.status === 'ack') this.lastAnswer.set(venue, reception.answer);
    }
    return reception;
  }

  /** The previous acknowledgement given to this venue (the duplicate-ack fault answers with it). */
  previousAnswer(venue: string): BatchAnswer | null {
    return this.lastAnswer.get(venue) ?? null;
  }

  private check(raw: unknown, now: number): Reception {
    if (!validateBatch(raw)) return reject(400, `batch${describeSchemaError(validateBatch.errors![0]!)}`);
    const b = raw;
    const venue = this.venueRow(b.venue);
    if (!venue) return reject(403, `venue ${b.venue} is not registered`);
    // A venue registered for 国密 signs its batches with its SM2 key: a batch in the default suite is a downgrade.
    const suite = b.suite ?? 'ed25519-sha256';
    if (suite !== 'sm2-sm3' && this.registeredKey(b.venue, 'sm2-sm3'))
      return reject(403, `suite: ${b.venue} is registered for sm2-sm3; sign batches with its SM2 key`);
    const key = this.registeredKey(b.venue, suite);
    if (!key) return reject(403, `venue ${b.venue} has no registered ${suite} key`);
    if (b.keyId !== key.keyId) return reject(403, `keyId ${b.keyId} is not the key registered for ${b.venue}`);
    const count = b.lastSeq - b.firstSeq + 1;
    if (b.events.length !== count) return reject(400, `batch holds ${b.events.length} events for ${count} seqs`);
    let prev = b.prevHash;
    const views: string[] = [];
    for (const [i, e] of b.events.entries()) {
      if (e.seq !== b.firstSeq + i) return reject(400, `events[${i}].seq: expected ${b.firstSeq + i}`);
      if (e.prevHash !== prev) return reject(400, `events[${i}].prevHash: does not link to the previous event`);
      const view = viewJson(e);
      if (sha256(view) !== e.bodyDigest) return reject(400, `events[${i}].bodyDigest: does not match its content`);
      views.push(view);
      prev = e.hash;
    }
    if (prev !== b.lastHash) return reject(400, 'lastHash: is not the hash of the last event');
    if (!signatureCheck(key.publicKey)(batchManifest(b), b.signature))
      return reject(401, `signature: not valid for ${b.venue}'s ${suite} key`);
    const found = scanForbidden(b.events);
    if (found.length) {
      this.violations.push(...found.map((v) => ({ ...v, venue: b.venue, firstSeq: b.firstSeq })));
      if (this.options.rejectForbidden !== false)
        return reject(422, `forbidden content: ${found[0]!.path} looks like ${found[0]!.what}`);
    }
    return this.store(b, views, venue.head_seq, venue.head_hash, now);
  }

  /** Continuity with what is held, then the new part in one transaction: exactly once per venue + seq. */
  private store(b: SignedBatch, views: string[], headSeq: number, headHash: string, now: number): Reception {
    if (b.firstSeq > headSeq + 1) {
      return {
        http: 409,
        answer: { status: 'gap', expectedSeq: headSeq + 1, error: `holding up to ${headSeq}, got ${b.firstSeq}` },
      };
    }
    const heldHash = this.db.prepare('SELECT hash FROM events WHERE venue = ? AND seq = ?').pluck();
    const anchor = b.firstSeq === 1 ? GENESIS_HASH : (heldHash.get(b.venue, b.firstSeq - 1) as string | undefined);
    if (anchor !== b.prevHash) return reject(409, `prevHash: fork — seq ${b.firstSeq - 1} is held with another hash`);
    const overlap = b.events.filter((e) => e.seq <= headSeq);
    for (const e of overlap) {
      if (heldHash.get(b.venue, e.seq) !== e.hash)
        return reject(409, `events seq ${e.seq}: fork — held with another hash`);
    }
    const firstFresh = Math.max(0, headSeq + 1 - b.firstSeq);
    const fresh = b.events.slice(firstFresh);
    this.countersOf(b.venue).duplicateEvents += overlap.length;
    const last = fresh[fresh.length - 1];
    this.db.transaction(() => {
      const batchId = this.db
        .prepare(
          `INSERT INTO batches (venue, first_seq, last_seq, prev_hash, last_hash, key_id, signature, received_at, stored, suite)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          b.venue,
          b.firstSeq,
          b.lastSeq,
          b.prevHash,
          b.lastHash,
          b.keyId,
          b.signature,
          now,
          fresh.length,
          b.suite ?? null,
        ).lastInsertRowid as number;
      const insert = this.db.prepare(
        'INSERT INTO events (venue, seq, prev_hash, hash, at, type, view, body_digest, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const [i, e] of fresh.entries()) {
        insert.run(b.venue, e.seq, e.prevHash, e.hash, e.at, e.type, views[firstFresh + i], e.bodyDigest, batchId);
      }
      if (last)
        this.db.prepare('UPDATE venues SET head_seq = ?, head_hash = ? WHERE id = ?').run(last.seq, last.hash, b.venue);
    })();
    this.countersOf(b.venue).accepted += fresh.length;
    const ackedSeq = last ? last.seq : headSeq;
    return {
      http: 200,
      answer: { status: 'ack', ackedSeq, ackedHash: last ? last.hash : headHash, duplicate: fresh.length === 0 },
    };
  }

  // ─── downlink ──────────────────────────────────────────────────────────────

  /** Signs a schedule for a venue (from the expert-draw system) and queues it; MQTT bridges publish it at once. */
  pushSchedule(venue: string, payload: unknown, issuedAt = Date.now()): DownlinkEnvelope {
    const seq =
      ((this.db.prepare('SELECT max(seq) FROM downlink WHERE venue = ?').pluck().get(venue) as number | null) ?? 0) + 1;
    const envelope = this.sign({ seq, venue, kind: 'schedule', issuedAt, payload });
    this.db
      .prepare('INSERT INTO downlink (venue, seq, envelope) VALUES (?, ?, ?)')
      .run(venue, seq, JSON.stringify(envelope));
    this.emit('downlink', envelope);
    return envelope;
  }

  /** Signs without queueing (tests build forged or misaddressed messages from it). */
  sign(unsigned: Omit<DownlinkEnvelope, 'signature' | 'protocol'>): DownlinkEnvelope {
    return { protocol: PROTOCOL, ...unsigned, signature: signBytes(this.privateKey, downlinkManifest(unsigned)) };
  }

  downlinkAfter(venue: string, after: number): DownlinkEnvelope[] {
    return (
      this.db
        .prepare('SELECT envelope FROM downlink WHERE venue = ? AND seq > ? ORDER BY seq')
        .pluck()
        .all(venue, after) as string[]
    ).map((text) => JSON.parse(text) as DownlinkEnvelope);
  }

  /** A pull is answered only when signed by the venue's key and recent (replays of old pulls are refused). */
  authorisePull(venue: string, after: number, at: number, signature: string, now = Date.now()): string | null {
    const row = this.venueRow(venue);
    if (!row) return `venue ${venue} is not registered`;
    if (!Number.isSafeInteger(at) || Math.abs(now - at) > 5 * 60_000) return 'x-halledge-at: missing or not recent';
    if (!verifyBytes(row.public_key, pullManifest(venue, after, at), signature))
      return 'x-halledge-signature: not valid';
    return null;
  }

  // ─── what the platform holds (for tests and operators) ─────────────────────

  head(venue: string): { seq: number; hash: string } {
    const row = this.venueRow(venue);
    return { seq: row?.head_seq ?? 0, hash: row?.head_hash ?? GENESIS_HASH };
  }

  events(venue: string, fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER): StoredEvent[] {
    const rows = this.db
      .prepare('SELECT * FROM events WHERE venue = ? AND seq BETWEEN ? AND ? ORDER BY seq')
      .all(venue, fromSeq, toSeq) as {
      seq: number;
      prev_hash: string;
      hash: string;
      view: string;
      body_digest: string;
      batch: number;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      prevHash: r.prev_hash,
      hash: r.hash,
      // The view as received (canonical JSON: at, type, session, subject, actor, method, body).
      ...(JSON.parse(r.view) as RedactedView),
      bodyDigest: r.body_digest,
      batch: r.batch,
    }));
  }

  batches(venue: string): StoredBatch[] {
    return this.db
      .prepare(
        `SELECT id, venue, first_seq AS firstSeq, last_seq AS lastSeq, prev_hash AS prevHash, last_hash AS lastHash,
         key_id AS keyId, suite, signature, stored FROM batches WHERE venue = ? ORDER BY id`,
      )
      .all(venue)
      .map((row) => {
        const { suite, ...batch } = row as StoredBatch & { suite: 'sm2-sm3' | null };
        return suite ? { ...batch, suite } : batch;
      });
  }

  /** A venue's registered public key in a suite: its sync key, or its SM2 key (国密: checkpoints and batches). */
  registeredKey(venue: string, suite: CheckpointSuite): { publicKey: string; keyId: string } | null {
    const row =
      suite === 'sm2-sm3'
        ? (this.db.prepare('SELECT public_key, key_id FROM checkpoint_keys WHERE venue = ?').get(venue) as
            | { public_key: string; key_id: string }
            | undefined)
        : this.venueRow(venue);
    return row ? { publicKey: row.public_key, keyId: row.key_id } : null;
  }

  publicKeyOf(venue: string): string | null {
    return this.venueRow(venue)?.public_key ?? null;
  }

  countersOf(venue: string): VenueCounters {
    let c = this.counters.get(venue);
    if (!c) {
      c = { batches: 0, accepted: 0, duplicateEvents: 0, gaps: 0, rejected: 0 };
      this.counters.set(venue, c);
    }
    return c;
  }

  close(): void {
    this.db.close();
  }
}

function loadOrCreateKey(file: string | undefined): KeyObject {
  if (file && existsSync(file)) return createPrivateKey(readFileSync(file));
  const { privateKey } = generateKeyPairSync('ed25519');
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return privateKey;
}
