import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { catalogueProblem, type EventData, type EventType } from '../event-catalogue.ts';
import { canonicalJson, contentProblem } from './canonical.ts';
import { type Db, migrate } from './database.ts';

/** Who, what and when of an event, beside its type and data. */
export interface EventEnvelope {
  /** Evaluation session the fact belongs to, if any. */
  session?: string | null;
  /** Who did it: a pseudonymous expert id, a console user id, a device id, or `system`. */
  actor?: string | null;
  /** How the actor was verified (e.g. `id-card+face`, `face-1:n`, `manual`, `device-credential`). */
  method?: string | null;
  /** What it is about: a device id, a door, an alarm id. */
  subject?: string | null;
  /** Milliseconds since the epoch; defaults to now. */
  at?: number;
}

/**
 * What a module records. Every fact in HallEdge is one of these: the type (dotted, e.g. `checkin.accepted`) is
 * one of the catalogue's (edge/event-catalogue.ts) and selects the data's type; data may be left out only
 * where its schema requires no field.
 */
export type EventInput<K extends EventType = EventType> = K extends EventType
  ? EventEnvelope & { type: K } & (Record<never, never> extends EventData<K>
        ? { data?: EventData<K> }
        : { data: EventData<K> })
  : never;

export interface LoggedEvent {
  seq: number;
  venue: string;
  at: number;
  type: string;
  session: string | null;
  actor: string | null;
  method: string | null;
  subject: string | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/**
 * An event of a catalogued type as appended in this process, so checked against its schema: a discriminated
 * union on `type` that projections and subscribers narrow instead of casting `data`. Events read back from the
 * database are LoggedEvents: the record is history, written under whatever schema held then.
 */
export type TypedEvent<K extends EventType = EventType> = K extends EventType
  ? Omit<LoggedEvent, 'type' | 'data'> & { type: K; data: EventData<K> }
  : never;

/** A type not in the catalogue, or data that does not match its schema: a programming error, refused at append. */
export class EventSchemaError extends Error {}

export const GENESIS_HASH = '0'.repeat(64);

const migrations = [
  {
    version: 1,
    sql: `
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        venue TEXT NOT NULL,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        session TEXT,
        actor TEXT,
        method TEXT,
        subject TEXT,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX events_session ON events (session, seq);
      CREATE INDEX events_type ON events (type, seq);
      CREATE INDEX events_at ON events (at);
      -- Append-only: the record is changed only by someone who first drops these, which verify then detects.
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'event log is append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'event log is append-only'); END;
    `,
  },
  {
    // Events written before this migration keep format 1 and verify as they were hashed (see eventHash).
    version: 2,
    sql: 'ALTER TABLE events ADD COLUMN format INTEGER NOT NULL DEFAULT 1;',
  },
];

/** The chain format new events are written in (eventHash): format 2 hashes with SHA-256. */
export const CHAIN_FORMAT = 2;
/** Format 3: the same canonical content as format 2, hashed with SM3 — the chain of a venue in the 国密 suite. */
export const SM3_CHAIN_FORMAT = 3;
export type ChainFormat = typeof CHAIN_FORMAT | typeof SM3_CHAIN_FORMAT;

/** Content the record cannot store exactly as it would hash it; the message names the field path. */
export class RecordContentError extends Error {}

/** An event as stored: data is the JSON text the hash covers. */
export interface EventRow {
  seq: number;
  venue: string;
  at: number;
  type: string;
  session: string | null;
  actor: string | null;
  method: string | null;
  subject: string | null;
  data: string;
  prev_hash: string;
  hash: string;
  /** Chain format: 1 for events written before canonical content, 2 since (SHA-256), 3 for SM3 (国密). */
  format: number;
}

/**
 * The hash covers every stored column and the previous event's hash, so editing or removing any event breaks the
 * chain. Format 2 hashes the RFC 8785 canonical JSON of the array
 * `[2, seq, venue, at, type, session, actor, method, subject, data, prev_hash]` — every string well-formed (append
 * refuses others), `data` the canonical JSON text as stored — so anyone can recompute it from the stored columns.
 * For such an array of integers, strings and nulls, JSON.stringify is exactly RFC 8785. Format 3 is the same
 * array (starting with 3) hashed with SM3.
 */
export function eventHash(row: Omit<EventRow, 'hash'>): string {
  // A database verified without the edge's migrations (verify-cli opens read-only) has no format column: format 1.
  if (row.format === 1 || row.format === undefined) return eventHashFormat1(row);
  return createHash(row.format === SM3_CHAIN_FORMAT ? 'sm3' : 'sha256')
    .update(
      JSON.stringify([
        row.format,
        row.seq,
        row.venue,
        row.at,
        row.type,
        row.session,
        row.actor,
        row.method,
        row.subject,
        row.data,
        row.prev_hash,
      ]),
    )
    .digest('hex');
}

/**
 * Format 1 (before canonical content): the columns joined with U+001F. Kept so that old records still verify; a
 * format-1 event whose strings were not well-formed Unicode was stored lossily and never verifies.
 */
function eventHashFormat1(row: Omit<EventRow, 'hash'>): string {
  return createHash('sha256')
    .update(
      [
        row.seq,
        row.venue,
        row.at,
        row.type,
        row.session ?? '',
        row.actor ?? '',
        row.method ?? '',
        row.subject ?? '',
        row.data,
        row.prev_hash,
      ].join('\u001f'),
    )
    .digest('hex');
}

/** An event as any version of the edge wrote it: a type and data the catalogue may no longer accept. */
export interface RecordedInput extends EventEnvelope {
  type: string;
  data?: Record<string, unknown>;
}

/** The stored row of an event at this place in the chain: canonical data, chain format, hash. */
export function chainedRow(
  input: RecordedInput,
  seq: number,
  venue: string,
  prevHash: string,
  format: ChainFormat = CHAIN_FORMAT,
): EventRow {
  const row = {
    format,
    seq,
    venue,
    at: input.at ?? Date.now(),
    type: input.type,
    session: input.session ?? null,
    actor: input.actor ?? null,
    method: input.method ?? null,
    subject: input.subject ?? null,
    data: canonicalJson(input.data ?? {}),
    prev_hash: prevHash,
  };
  return { ...row, hash: eventHash(row) };
}

/** Why an input cannot be stored exactly as it is hashed (field path and reason), or null. */
function recordProblem(input: EventInput): string | null {
  if (input.at !== undefined && !(Number.isSafeInteger(input.at) && input.at >= 0))
    return '/at: not a time (milliseconds since the epoch, a safe integer)';
  for (const field of ['type', 'session', 'actor', 'method', 'subject'] as const) {
    const problem = contentProblem(input[field] ?? null, `/${field}`, true);
    if (problem) return problem;
  }
  return contentProblem(input.data ?? {}, '/data');
}

export function rowToEvent(row: EventRow): LoggedEvent {
  return {
    seq: row.seq,
    venue: row.venue,
    at: row.at,
    type: row.type,
    session: row.session,
    actor: row.actor,
    method: row.method,
    subject: row.subject,
    data: JSON.parse(row.data) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

type Nullable = string | null;

/** Applied in the same transaction as the append, so current-state tables never disagree with the record. */
export type Projection = (event: TypedEvent) => void;

export interface EventQuery {
  afterSeq?: number;
  session?: string;
  type?: string;
  typePrefix?: string;
  /** Only events at or after this time (ms), e.g. today's door passages. */
  since?: number;
  limit?: number;
}

/**
 * The venue's append-only, hash-chained record. One writer per database file; the per-venue sequence has no gaps.
 * Emits `appended` (LoggedEvent) after each commit.
 */
export class EventLog extends EventEmitter<{ appended: [TypedEvent] }> {
  private lastSeq: number;
  private lastHash: string;
  private readonly projections: Projection[] = [];
  private readonly insert;
  /** Built once: better-sqlite3 makes a savepoint of it when a transaction is already open. */
  private readonly inTransaction;
  /** Events written in the open transaction, emitted once it commits; null outside a transaction. */
  private uncommitted: TypedEvent[] | null = null;

  constructor(
    readonly db: Db,
    readonly venue: string,
    /** The format new events are chained in: SHA-256 (2) or, for a venue in the 国密 suite, SM3 (3). */
    readonly chainFormat: ChainFormat = CHAIN_FORMAT,
  ) {
    super();
    this.setMaxListeners(100);
    migrate(db, 'event-log', migrations);
    const last = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as
      | { seq: number; hash: string }
      | undefined;
    this.lastSeq = last?.seq ?? 0;
    this.lastHash = last?.hash ?? GENESIS_HASH;
    this.inTransaction = db.transaction((work: () => unknown) => work());
    this.insert = db.prepare(
      `INSERT INTO events (seq, venue, at, type, session, actor, method, subject, data, prev_hash, hash, format)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${chainFormat})`,
    );
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.lastSeq, hash: this.lastHash };
  }

  addProjection(projection: Projection): void {
    this.projections.push(projection);
  }

  /** Appends one event; its type selects its data's type, and both are checked against the catalogue. */
  append<K extends EventType>(input: EventInput<K>): TypedEvent<K> {
    return this.appendMany([input])[0] as TypedEvent<K>;
  }

  /** Appends several events in one transaction: the fast path for bursts. */
  appendMany(inputs: readonly EventInput[]): TypedEvent[] {
    return this.transaction(() => inputs.map((input) => this.write(input)));
  }

  /** Calls the handler after the commit of each event of these types, narrowed to them. Returns the unsubscribe. */
  onAppended<K extends EventType>(types: readonly K[], handler: (event: TypedEvent<K>) => void): () => void {
    const wanted = new Set<string>(types);
    const listener = (event: TypedEvent) => {
      if (wanted.has(event.type)) handler(event as TypedEvent<K>);
    };
    this.on('appended', listener);
    return () => this.off('appended', listener);
  }

  /**
   * Runs work (appends, projections, other writes to this database) in one transaction; nested calls are
   * savepoints. `appended` is emitted only once the outermost transaction has committed, so no listener sees an
   * event that a rollback takes back; a failed (inner) transaction also rolls back the in-memory chain head.
   */
  transaction<T>(work: () => T): T {
    const outermost = this.uncommitted === null;
    this.uncommitted ??= [];
    const pending = this.uncommitted;
    const mark = pending.length;
    const startSeq = this.lastSeq;
    const startHash = this.lastHash;
    let result: T;
    try {
      result = this.inTransaction(work) as T;
    } catch (err) {
      this.lastSeq = startSeq;
      this.lastHash = startHash;
      pending.length = mark;
      if (outermost) this.uncommitted = null;
      throw err;
    }
    if (outermost) {
      this.uncommitted = null;
      for (const event of pending) this.emit('appended', event);
    }
    return result;
  }

  private write(input: EventInput): TypedEvent {
    const problem = recordProblem(input);
    if (problem) throw new RecordContentError(`event ${input.type} cannot be recorded: ${problem}`);
    const unfit = catalogueProblem(input.type, input.data ?? {});
    if (unfit) throw new EventSchemaError(`event ${input.type} cannot be recorded: ${unfit}`);
    const p = chainedRow(input, this.lastSeq + 1, this.venue, this.lastHash, this.chainFormat);
    const hash = p.hash;
    this.insert.run(p.seq, p.venue, p.at, p.type, p.session, p.actor, p.method, p.subject, p.data, p.prev_hash, hash);
    this.lastSeq = p.seq;
    this.lastHash = hash;
    // The caller's data object is the event's data: no need to parse back what was just serialised.
    const event = {
      seq: p.seq,
      venue: p.venue,
      at: p.at,
      type: p.type,
      session: p.session,
      actor: p.actor,
      method: p.method,
      subject: p.subject,
      data: input.data ?? {},
      prevHash: p.prev_hash,
      hash,
    } as TypedEvent;
    for (const project of this.projections) project(event);
    this.uncommitted!.push(event);
    return event;
  }

  /** When a session's first and last events happened (two index seeks), or null when it has none. */
  sessionSpan(session: string): { firstAt: number; lastAt: number } | null {
    const at = (order: 'ASC' | 'DESC') =>
      this.db.prepare(`SELECT at FROM events WHERE session = ? ORDER BY seq ${order} LIMIT 1`).pluck().get(session) as
        | number
        | undefined;
    const firstAt = at('ASC');
    return firstAt === undefined ? null : { firstAt, lastAt: at('DESC')! };
  }

  /**
   * Every event of a session as NDJSON lines (each a LoggedEvent), in order. Built from the stored columns —
   * `data` is already JSON text — so a 100,000-event session streams without parsing and re-serialising it.
   */
  *sessionLines(session: string): Generator<string> {
    const rows = this.db
      .prepare(
        `SELECT seq, venue, at, type, session, actor, method, subject, data, prev_hash, hash
         FROM events WHERE session = ? ORDER BY seq`,
      )
      .raw(true)
      .iterate(session) as IterableIterator<
      [number, string, number, string, string, Nullable, Nullable, Nullable, string, string, string]
    >;
    const text = (v: Nullable) => (v === null ? 'null' : JSON.stringify(v));
    for (const [seq, venue, at, type, sess, actor, method, subject, data, prevHash, hash] of rows) {
      yield `{"seq":${seq},"venue":${text(venue)},"at":${at},"type":${text(type)},"session":${text(sess)},"actor":${text(actor)},"method":${text(method)},"subject":${text(subject)},"data":${data},"prevHash":"${prevHash}","hash":"${hash}"}\n`;
    }
  }

  query(q: EventQuery = {}): LoggedEvent[] {
    const where: string[] = ['seq > @afterSeq'];
    if (q.session) where.push('session = @session');
    if (q.type) where.push('type = @type');
    if (q.typePrefix) where.push("type LIKE @typePrefix || '%'");
    if (q.since !== undefined) where.push('at >= @since');
    const rows = this.db.prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT @limit`).all({
      afterSeq: q.afterSeq ?? 0,
      session: q.session,
      type: q.type,
      typePrefix: q.typePrefix,
      since: q.since,
      limit: q.limit ?? 1000,
    }) as EventRow[];
    return rows.map(rowToEvent);
  }
}
