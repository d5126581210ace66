// The city hub ("1+4": city hall and four county venues, and as many more as a province has): it checks each
// venue's signature and hash chain, keeps every event exactly once per venue + seq, countersigns checkpoints and
// signs what goes down to the venues. Its data lives in SQLite or PostgreSQL (city/store/).
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { describeSchemaError } from '../config/json-schema.ts';
import { type MediaGrantFields, type SignedMediaGrant, signMediaGrant } from '../edge/remote-media/media-grant.ts';
import type { CheckpointSuite } from '../edge/store/checkpoint-format.ts';
import { GENESIS_HASH } from '../edge/store/event-log.ts';
import { pemKeyId, signatureCheck } from '../edge/store/suites.ts';
import {
  batchManifest,
  type DownlinkEnvelope,
  downlinkManifest,
  keyId,
  PROTOCOL,
  type SignedBatch,
  sha256,
  signBytes,
  viewJson,
} from '../edge/sync/wire.ts';
import { CheckpointNotary } from './checkpoints.ts';
import { scanForbidden, type Violation } from './forbidden-scan.ts';
import { HubStore, type Reception, reject, type StoredEvent, type VenueRow } from './store/hub-store.ts';
import type { StoreConfig } from './store/open.ts';

export type { Reception, StoredBatch, StoredEvent, VenueCounters } from './store/hub-store.ts';
export type { StoreConfig } from './store/open.ts';

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

export interface CityHubOptions {
  store: StoreConfig;
  /** PKCS8 PEM file of the hub's Ed25519 signing key; created if missing. Default: a fresh key. */
  keyFile?: string;
  /** Refuse batches carrying forbidden fields (default true); they are counted either way. */
  rejectForbidden?: boolean;
}

export interface HubEvents {
  /** A downlink message was queued by this process (its MQTT bridge publishes it at once). */
  downlink: [DownlinkEnvelope];
  /** A batch was committed: the events newly stored (none already held), in seq order. */
  accepted: [venue: string, events: StoredEvent[], receivedAt: number];
}

export class CityHub extends EventEmitter<HubEvents> {
  readonly publicKeyPem: string;
  /** Forbidden fields found in uploads to this process, with the venue and batch range they came in. */
  readonly violations: (Violation & { venue: string; firstSeq: number })[] = [];
  /** Venues' signed checkpoints: checked, countersigned, receipts returned (checkpoints.ts). */
  readonly notary: CheckpointNotary;
  /** Each venue's batches in turn within this process (the database lock orders them across processes). */
  private readonly venueTurns = new Map<string, Promise<unknown>>();

  private constructor(
    readonly store: HubStore,
    private readonly privateKey: KeyObject,
    private readonly options: CityHubOptions,
  ) {
    super();
    this.publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    this.notary = new CheckpointNotary({
      store,
      privateKey,
      venueKey: (venue, suite) => this.registeredKey(venue, suite),
    });
  }

  /** Opens the store (migrating it once) and the hub's key. */
  static async open(options: CityHubOptions): Promise<CityHub> {
    const privateKey = loadOrCreateKey(options.keyFile);
    return new CityHub(await HubStore.open(options.store), privateKey, options);
  }

  // ─── venues and keys ───────────────────────────────────────────────────────

  /** Registers (or replaces) a venue's public key out of band, as a city administrator would. */
  async registerVenue(venue: string, publicKeyPem: string): Promise<void> {
    await this.store.upsertVenue(venue, publicKeyPem, keyId(createPublicKey(publicKeyPem)));
  }

  /** Registers a venue's SM2 checkpoint key (国密 suite) out of band; its sync key stays the one above. */
  async registerCheckpointKey(venue: string, publicKeyPem: string): Promise<void> {
    await this.store.setCheckpointKey(venue, publicKeyPem, pemKeyId(publicKeyPem));
  }

  /** A one-time token the venue's first start uses to register its key (POST /v1/enrol). */
  async issueEnrolToken(venue: string): Promise<string> {
    const token = randomBytes(18).toString('base64url');
    await this.store.setEnrolToken(venue, token);
    return token;
  }

  async enrol(input: unknown): Promise<{ http: number; error?: string }> {
    const { venue, publicKey, token } = (input ?? {}) as Record<string, unknown>;
    if (typeof venue !== 'string' || typeof publicKey !== 'string' || typeof token !== 'string')
      return { http: 400, error: 'enrol needs venue, publicKey and token strings' };
    // Idempotent: the venue may not have seen our first answer.
    if ((await this.store.venue(venue))?.publicKey === publicKey) return { http: 200 };
    let id: string;
    try {
      id = keyId(createPublicKey(publicKey));
    } catch (err) {
      return { http: 400, error: `publicKey: ${(err as Error).message}` };
    }
    if (!(await this.store.enrolWithToken(venue, token, publicKey, id)))
      return { http: 403, error: `no valid enrolment token for ${venue}` };
    return { http: 200 };
  }

  // ─── upstream ──────────────────────────────────────────────────────────────

  /** Checks and stores one batch; the answer is what the transport sends back. Emits `accepted` once committed. */
  async receive(raw: unknown, now = Date.now()): Promise<Reception> {
    if (!validateBatch(raw)) return reject(400, `batch${describeSchemaError(validateBatch.errors![0]!)}`);
    const b = raw;
    // In turn from the first read: a venue's batches are checked and stored in the order they arrived here.
    return this.inTurn(b.venue, async () => {
      const venue = await this.store.venue(b.venue);
      if (!venue) return reject(403, `venue ${b.venue} is not registered`);
      const checked = await this.check(b, venue);
      if (!Array.isArray(checked)) {
        await this.store.countRejected(b.venue);
        return checked;
      }
      const { reception, stored } = await this.store.acceptBatch(b, checked, now);
      if (stored.length) this.emit('accepted', b.venue, stored, now);
      return reception;
    });
  }

  /** The batch's checked event views, or why it is refused: key, suite, chain links, digests, signature, content. */
  private async check(b: SignedBatch, venue: VenueRow): Promise<string[] | Reception> {
    // A venue registered for 国密 signs its batches with its SM2 key: a batch in the default suite is a downgrade.
    const suite = b.suite ?? 'ed25519-sha256';
    if (suite !== 'sm2-sm3' && (await this.store.checkpointKey(b.venue)))
      return reject(403, `suite: ${b.venue} is registered for sm2-sm3; sign batches with its SM2 key`);
    const key = suite === 'sm2-sm3' ? await this.store.checkpointKey(b.venue) : venue;
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
    return views;
  }

  /** Runs `work` after the venue's previous batch in this process has finished. */
  private inTurn<R>(venue: string, work: () => Promise<R>): Promise<R> {
    const previous = this.venueTurns.get(venue) ?? Promise.resolve();
    const turn = previous.then(work, work);
    const settled = turn.catch(() => undefined);
    this.venueTurns.set(venue, settled);
    void settled.then(() => {
      if (this.venueTurns.get(venue) === settled) this.venueTurns.delete(venue);
    });
    return turn;
  }

  /**
   * Stored events received since a time (ms), in (venue, seq) order, a venue's run at a time (at most `page`
   * events per step): what a view reads at start before it follows `accepted`.
   */
  async *replay(sinceAt: number, page = 1000): AsyncIterable<{ venue: string; events: StoredEvent[] }> {
    let after: { venue: string; seq: number } | null = null;
    for (;;) {
      const rows = await this.store.receivedSince(sinceAt, after, page);
      if (!rows.length) return;
      let start = 0;
      for (let i = 1; i <= rows.length; i++) {
        if (i < rows.length && rows[i]!.venue === rows[start]!.venue) continue;
        const venue = rows[start]!.venue;
        yield { venue, events: rows.slice(start, i).map(({ venue: _, ...e }) => e) };
        start = i;
      }
      const last = rows[rows.length - 1]!;
      after = { venue: last.venue, seq: last.seq };
    }
  }

  // ─── downlink ──────────────────────────────────────────────────────────────

  /** Signs a schedule for a venue (from the expert-draw system) and queues it; MQTT bridges publish it at once. */
  async pushSchedule(venue: string, payload: unknown, issuedAt = Date.now()): Promise<DownlinkEnvelope> {
    const envelope = await this.store.queueDownlink(venue, (seq) =>
      this.sign({ seq, venue, kind: 'schedule', issuedAt, payload }),
    );
    this.emit('downlink', envelope);
    return envelope;
  }

  /** Signs without queueing (tests build forged or misaddressed messages from it). */
  sign(unsigned: Omit<DownlinkEnvelope, 'signature' | 'protocol'>): DownlinkEnvelope {
    return { protocol: PROTOCOL, ...unsigned, signature: signBytes(this.privateKey, downlinkManifest(unsigned)) };
  }

  /** Signs the grant a guest venue checks before it streams a room to the host (city/remote/media-routes.ts). */
  signMediaGrant(fields: MediaGrantFields): SignedMediaGrant {
    return signMediaGrant(this.privateKey, fields);
  }

  downlinkAfter(venue: string, after: number): Promise<DownlinkEnvelope[]> {
    return this.store.downlinkAfter(venue, after);
  }

  // ─── what the hub holds (for views, tests and operators) ───────────────────

  async head(venue: string): Promise<{ seq: number; hash: string }> {
    const row = await this.store.venue(venue);
    return { seq: row?.headSeq ?? 0, hash: row?.headHash ?? GENESIS_HASH };
  }

  events(venue: string, fromSeq = 1, toSeq = Number.MAX_SAFE_INTEGER): Promise<StoredEvent[]> {
    return this.store.events(venue, fromSeq, toSeq);
  }

  batches(venue: string) {
    return this.store.batches(venue);
  }

  /** A venue's registered public key in a suite: its sync key, or its SM2 key (国密: checkpoints and batches). */
  async registeredKey(venue: string, suite: CheckpointSuite): Promise<{ publicKey: string; keyId: string } | null> {
    if (suite === 'sm2-sm3') return this.store.checkpointKey(venue);
    const row = await this.store.venue(venue);
    return row ? { publicKey: row.publicKey, keyId: row.keyId } : null;
  }

  async publicKeyOf(venue: string): Promise<string | null> {
    return (await this.store.venue(venue))?.publicKey ?? null;
  }

  /** What the hub did with a venue's uploads, summed over every hub process sharing the database. */
  countersOf(venue: string) {
    return this.store.counters(venue);
  }

  /** Waits for batches in progress, then closes the store. */
  async close(): Promise<void> {
    await Promise.all(this.venueTurns.values());
    await this.store.close();
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
