// Every read and write of the hub's data. Batch acceptance runs in one transaction with the venue's row locked
// (PostgreSQL: SELECT … FOR UPDATE), so hub processes sharing a database store each (venue, seq) exactly once.
import type { Kysely, Transaction } from 'kysely';
import type { CheckpointSuite } from '../../edge/store/checkpoint-format.ts';
import { GENESIS_HASH } from '../../edge/store/event-log.ts';
import type { BatchAnswer, DownlinkEnvelope, RedactedView, SignedBatch, UpstreamEvent } from '../../edge/sync/wire.ts';
import { type OpenedDb, openHubDb, type StoreConfig } from './open.ts';
import type { EventsTable, HubTables, StoreDialect } from './schema.ts';

/** What the hub holds of one venue's event (the view is what the venue uploaded, chain position apart). */
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
  /** Events received again that the hub already held (kept once): the venues' retries. */
  duplicateEvents: number;
  gaps: number;
  rejected: number;
}

export interface VenueRow {
  id: string;
  publicKey: string;
  keyId: string;
  headSeq: number;
  headHash: string;
}

/** The hub's answer with the HTTP status it goes out with. */
export interface Reception {
  http: number;
  answer: BatchAnswer;
}

export const reject = (http: number, error: string): Reception => ({ http, answer: { status: 'rejected', error } });

/** Rows per INSERT: PostgreSQL takes at most 65535 parameters in one statement. */
const INSERT_CHUNK = 1000;

type EventRow = Omit<EventsTable, 'received_at'>;

const toStored = (r: EventRow): StoredEvent => ({
  seq: r.seq,
  prevHash: r.prev_hash,
  hash: r.hash,
  ...(JSON.parse(r.view) as RedactedView),
  bodyDigest: r.body_digest,
  batch: r.batch,
});

const EVENT_COLUMNS = ['venue', 'seq', 'prev_hash', 'hash', 'at', 'type', 'view', 'body_digest', 'batch'] as const;

export class HubStore {
  private constructor(
    readonly db: Kysely<HubTables>,
    readonly dialect: StoreDialect,
  ) {}

  static async open(config: StoreConfig): Promise<HubStore> {
    const { db, dialect }: OpenedDb = await openHubDb(config);
    return new HubStore(db, dialect);
  }

  close(): Promise<void> {
    return this.db.destroy();
  }

  // ─── venues and keys ───────────────────────────────────────────────────────

  async upsertVenue(venue: string, publicKey: string, keyId: string): Promise<void> {
    await this.db
      .insertInto('venues')
      .values({ id: venue, public_key: publicKey, key_id: keyId, head_hash: GENESIS_HASH })
      .onConflict((oc) => oc.column('id').doUpdateSet({ public_key: publicKey, key_id: keyId }))
      .execute();
  }

  async venue(venue: string, db: Kysely<HubTables> = this.db): Promise<VenueRow | null> {
    const row = await db
      .selectFrom('venues')
      .select(['id', 'public_key', 'key_id', 'head_seq', 'head_hash'])
      .where('id', '=', venue)
      .executeTakeFirst();
    return row
      ? { id: row.id, publicKey: row.public_key, keyId: row.key_id, headSeq: row.head_seq, headHash: row.head_hash }
      : null;
  }

  async venueIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('venues').select('id').orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  async setCheckpointKey(venue: string, publicKey: string, keyId: string): Promise<void> {
    await this.db
      .insertInto('checkpoint_keys')
      .values({ venue, public_key: publicKey, key_id: keyId })
      .onConflict((oc) => oc.column('venue').doUpdateSet({ public_key: publicKey, key_id: keyId }))
      .execute();
  }

  async checkpointKey(venue: string): Promise<{ publicKey: string; keyId: string } | null> {
    const row = await this.db
      .selectFrom('checkpoint_keys')
      .select(['public_key', 'key_id'])
      .where('venue', '=', venue)
      .executeTakeFirst();
    return row ? { publicKey: row.public_key, keyId: row.key_id } : null;
  }

  async setEnrolToken(venue: string, token: string): Promise<void> {
    await this.db
      .insertInto('enrol_tokens')
      .values({ venue, token })
      .onConflict((oc) => oc.column('venue').doUpdateSet({ token }))
      .execute();
  }

  /** Registers the venue's key if the token is the one issued, and spends the token, in one transaction. */
  async enrolWithToken(venue: string, token: string, publicKey: string, keyId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const spent = await trx
        .deleteFrom('enrol_tokens')
        .where('venue', '=', venue)
        .where('token', '=', token)
        .executeTakeFirst();
      if (Number(spent.numDeletedRows) !== 1) return false;
      await trx
        .insertInto('venues')
        .values({ id: venue, public_key: publicKey, key_id: keyId, head_hash: GENESIS_HASH })
        .onConflict((oc) => oc.column('id').doUpdateSet({ public_key: publicKey, key_id: keyId }))
        .execute();
      return true;
    });
  }

  // ─── upstream ──────────────────────────────────────────────────────────────

  /**
   * Continuity with what is held, then the new part, in one transaction with the venue's row locked: exactly
   * once per venue + seq, whichever hub process the batch reached. `views` are the events' checked view JSON.
   */
  async acceptBatch(
    b: SignedBatch,
    views: string[],
    now: number,
  ): Promise<{ reception: Reception; stored: StoredEvent[] }> {
    return this.db.transaction().execute(async (trx) => {
      const head = await trx
        .selectFrom('venues')
        .select(['head_seq', 'head_hash'])
        .where('id', '=', b.venue)
        .$call((q) => (this.dialect === 'postgres' ? q.forUpdate() : q))
        .executeTakeFirstOrThrow();
      const { head_seq: headSeq, head_hash: headHash } = head;
      const outcome = await this.decide(trx, b, headSeq);
      if (outcome) {
        await this.count(trx, b.venue, outcome.answer.status === 'gap' ? 'gaps' : 'rejected');
        return { reception: outcome, stored: [] };
      }
      const firstFresh = Math.max(0, headSeq + 1 - b.firstSeq);
      const fresh = b.events.slice(firstFresh);
      const last = fresh[fresh.length - 1];
      const { id: batchId } = await trx
        .insertInto('batches')
        .values({
          venue: b.venue,
          first_seq: b.firstSeq,
          last_seq: b.lastSeq,
          prev_hash: b.prevHash,
          last_hash: b.lastHash,
          key_id: b.keyId,
          signature: b.signature,
          received_at: now,
          stored: fresh.length,
          suite: b.suite ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const rows = fresh.map((e, i) => ({
        venue: b.venue,
        seq: e.seq,
        prev_hash: e.prevHash,
        hash: e.hash,
        at: e.at,
        type: e.type,
        view: views[firstFresh + i]!,
        body_digest: e.bodyDigest,
        batch: batchId,
        received_at: now,
      }));
      for (let i = 0; i < rows.length; i += INSERT_CHUNK)
        await trx
          .insertInto('events')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .execute();
      await trx
        .updateTable('venues')
        .set((eb) => ({
          ...(last ? { head_seq: last.seq, head_hash: last.hash } : {}),
          batches: eb('batches', '+', 1),
          accepted: eb('accepted', '+', fresh.length),
          duplicate_events: eb('duplicate_events', '+', firstFresh),
        }))
        .where('id', '=', b.venue)
        .execute();
      return {
        reception: {
          http: 200,
          answer: {
            status: 'ack',
            ackedSeq: last ? last.seq : headSeq,
            ackedHash: last ? last.hash : headHash,
            duplicate: fresh.length === 0,
          },
        },
        stored: rows.map(toStored),
      };
    });
  }

  /** Why the batch cannot be stored on what is held (a gap or a fork), or null when it can. */
  private async decide(trx: Transaction<HubTables>, b: SignedBatch, headSeq: number): Promise<Reception | null> {
    if (b.firstSeq > headSeq + 1)
      return {
        http: 409,
        answer: { status: 'gap', expectedSeq: headSeq + 1, error: `holding up to ${headSeq}, got ${b.firstSeq}` },
      };
    // The anchor and the overlap, read in one query: [firstSeq - 1, min(lastSeq, headSeq)].
    const upTo = Math.min(b.lastSeq, headSeq);
    const held = new Map(
      (
        await trx
          .selectFrom('events')
          .select(['seq', 'hash'])
          .where('venue', '=', b.venue)
          .where('seq', '>=', b.firstSeq - 1)
          .where('seq', '<=', upTo)
          .execute()
      ).map((r) => [r.seq, r.hash]),
    );
    const anchor = b.firstSeq === 1 ? GENESIS_HASH : held.get(b.firstSeq - 1);
    if (anchor !== b.prevHash) return reject(409, `prevHash: fork — seq ${b.firstSeq - 1} is held with another hash`);
    for (const e of b.events) {
      if (e.seq > headSeq) break;
      if (held.get(e.seq) !== e.hash) return reject(409, `events seq ${e.seq}: fork — held with another hash`);
    }
    return null;
  }

  /** Counts a batch refused before it reached the venue's lock (bad shape, signature, forbidden content). */
  async countRejected(venue: string): Promise<void> {
    await this.count(this.db, venue, 'rejected');
  }

  private async count(db: Kysely<HubTables>, venue: string, what: 'gaps' | 'rejected'): Promise<void> {
    await db
      .updateTable('venues')
      .set((eb) => ({ batches: eb('batches', '+', 1), [what]: eb(what, '+', 1) }))
      .where('id', '=', venue)
      .execute();
  }

  async counters(venue: string): Promise<VenueCounters> {
    const row = await this.db
      .selectFrom('venues')
      .select(['batches', 'accepted', 'duplicate_events', 'gaps', 'rejected'])
      .where('id', '=', venue)
      .executeTakeFirst();
    return {
      batches: row?.batches ?? 0,
      accepted: row?.accepted ?? 0,
      duplicateEvents: row?.duplicate_events ?? 0,
      gaps: row?.gaps ?? 0,
      rejected: row?.rejected ?? 0,
    };
  }

  async events(venue: string, fromSeq: number, toSeq: number): Promise<StoredEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .select(EVENT_COLUMNS)
      .where('venue', '=', venue)
      .where('seq', '>=', fromSeq)
      .where('seq', '<=', toSeq)
      .orderBy('seq')
      .execute();
    return rows.map(toStored);
  }

  /** Events received since a time, in (venue, seq) order, a page at a time (after the last venue + seq read). */
  async receivedSince(
    sinceAt: number,
    after: { venue: string; seq: number } | null,
    limit: number,
  ): Promise<(StoredEvent & { venue: string })[]> {
    const rows = await this.db
      .selectFrom('events')
      .select(EVENT_COLUMNS)
      .where('received_at', '>=', sinceAt)
      .$call((q) =>
        after
          ? q.where((eb) =>
              eb.or([
                eb('venue', '>', after.venue),
                eb.and([eb('venue', '=', after.venue), eb('seq', '>', after.seq)]),
              ]),
            )
          : q,
      )
      .orderBy('venue')
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...toStored(r), venue: r.venue }));
  }

  async batches(venue: string): Promise<StoredBatch[]> {
    const rows = await this.db
      .selectFrom('batches')
      .select([
        'id',
        'venue',
        'first_seq',
        'last_seq',
        'prev_hash',
        'last_hash',
        'key_id',
        'suite',
        'signature',
        'stored',
      ])
      .where('venue', '=', venue)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      venue: r.venue,
      firstSeq: r.first_seq,
      lastSeq: r.last_seq,
      prevHash: r.prev_hash,
      lastHash: r.last_hash,
      keyId: r.key_id,
      ...(r.suite === 'sm2-sm3' ? { suite: 'sm2-sm3' as const } : {}),
      signature: r.signature,
      stored: r.stored,
    }));
  }

  async heldHash(venue: string, seq: number): Promise<string | null> {
    const row = await this.db
      .selectFrom('events')
      .select('hash')
      .where('venue', '=', venue)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return row?.hash ?? null;
  }

  // ─── downlink ──────────────────────────────────────────────────────────────

  /** Queues the next downlink message for a venue, numbered under the venue's lock; `build` signs it. */
  async queueDownlink(venue: string, build: (seq: number) => DownlinkEnvelope): Promise<DownlinkEnvelope> {
    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres')
        await trx.selectFrom('venues').select('id').where('id', '=', venue).forUpdate().execute();
      const { max } = await trx
        .selectFrom('downlink')
        .select((eb) => eb.fn.max('seq').as('max'))
        .where('venue', '=', venue)
        .executeTakeFirstOrThrow();
      const envelope = build(Number(max ?? 0) + 1);
      await trx
        .insertInto('downlink')
        .values({ venue, seq: envelope.seq, envelope: JSON.stringify(envelope) })
        .execute();
      return envelope;
    });
  }

  async downlinkAfter(venue: string, after: number): Promise<DownlinkEnvelope[]> {
    const rows = await this.db
      .selectFrom('downlink')
      .select('envelope')
      .where('venue', '=', venue)
      .where('seq', '>', after)
      .orderBy('seq')
      .execute();
    return rows.map((r) => JSON.parse(r.envelope) as DownlinkEnvelope);
  }

  // ─── checkpoints ───────────────────────────────────────────────────────────

  async latestCheckpoint(venue: string): Promise<{ size: number; root: string; suite: CheckpointSuite } | null> {
    const row = await this.db
      .selectFrom('checkpoints')
      .select(['size', 'root', 'suite'])
      .where('venue', '=', venue)
      .orderBy('size', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { size: row.size, root: row.root, suite: row.suite as CheckpointSuite } : null;
  }

  async checkpointAt(venue: string, size: number) {
    return (
      (await this.db
        .selectFrom('checkpoints')
        .select(['root', 'head_hash', 'receipt'])
        .where('venue', '=', venue)
        .where('size', '=', size)
        .executeTakeFirst()) ?? null
    );
  }

  /** Stores a countersigned checkpoint; false when one of that size is already held (another hub was first). */
  async insertCheckpoint(row: HubTables['checkpoints']): Promise<boolean> {
    const result = await this.db
      .insertInto('checkpoints')
      .values(row)
      .onConflict((oc) => oc.columns(['venue', 'size']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
}
