import type { KeyObject } from 'node:crypto';
import { Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { describeSchemaError } from '../../config/json-schema.ts';
import type { ImportOptions, ImportReport } from '../sessions/session-service.ts';
import type { EventLog } from '../store/event-log.ts';
import { migrateSync } from './outbox.ts';
import { type DownlinkEnvelope, downlinkManifest, PROTOCOL, verifyBytes } from './wire.ts';

/** Where accepted schedules go: the sessions service (edge/sessions). */
export interface ScheduleSink {
  importSchedule(payload: unknown, options: ImportOptions): ImportReport;
}

const Envelope = T.Object(
  {
    protocol: T.Literal(PROTOCOL),
    seq: T.Integer({ minimum: 1 }),
    venue: T.String({ minLength: 1 }),
    kind: T.Literal('schedule'),
    issuedAt: T.Integer({ minimum: 0 }),
    payload: T.Unknown(),
    signature: T.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
const validateEnvelope = new Ajv({ strict: false }).compile<DownlinkEnvelope>(Envelope);

/** How a downlink message arrived: pulled, pushed to the API, over MQTT, or over the edge↔hub link. */
export type DownlinkVia = 'pull' | 'push' | 'mqtt' | 'link';

export type DownlinkResult =
  | { status: 'accepted'; seq: number; report: ImportReport }
  | { status: 'duplicate'; seq: number }
  | { status: 'rejected'; reason: 'invalid' | 'wrong-venue' | 'no-platform-key' | 'bad-signature'; error: string };

/**
 * Messages coming down from the city platform (schedules and expert authorisations from the expert-draw
 * system, remote sessions hosted elsewhere). Only a message signed by the platform's key and addressed to this
 * venue is handed to the sessions service; each is taken once, by the platform's per-venue number.
 */
export class DownlinkInbox {
  constructor(
    private readonly log: EventLog,
    private readonly venue: string,
    private readonly platformKey: KeyObject | null,
    private readonly sink: ScheduleSink,
  ) {
    migrateSync(log.db);
  }

  /** The highest number up to which every message was taken: the venue pulls what comes after it. */
  watermark(): number {
    const seqs = this.log.db.prepare('SELECT seq FROM sync_downlink ORDER BY seq').pluck().all() as number[];
    let mark = 0;
    for (const seq of seqs) {
      if (seq !== mark + 1) break;
      mark = seq;
    }
    return mark;
  }

  accept(raw: unknown, via: DownlinkVia): DownlinkResult {
    if (!validateEnvelope(raw)) {
      return this.refuse(raw, 'invalid', `downlink${describeSchemaError(validateEnvelope.errors![0]!)}`);
    }
    const env = raw;
    if (env.venue !== this.venue) {
      return this.refuse(env, 'wrong-venue', `downlink /venue: for ${env.venue}, this is ${this.venue}`);
    }
    if (!this.platformKey) return this.refuse(env, 'no-platform-key', 'no platform public key is installed');
    if (!verifyBytes(this.platformKey, downlinkManifest(env), env.signature)) {
      return this.refuse(env, 'bad-signature', 'downlink /signature: not signed by the platform key');
    }
    const known = this.log.db.prepare('SELECT 1 FROM sync_downlink WHERE seq = ?').get(env.seq);
    if (known) return { status: 'duplicate', seq: env.seq };
    // Authentic from here on: the message is taken (and not pulled again) even if its payload is unusable.
    // A schedule with some bad sessions imports the valid ones; the report names the rest.
    let report: ImportReport;
    try {
      report = this.sink.importSchedule(env.payload, {
        source: 'platform',
        by: 'platform',
        method: 'platform-signature',
      });
    } catch (err) {
      const error = `downlink /payload: ${(err as Error).message}`;
      this.record(env, via, { error });
      return this.refuse(env, 'invalid', error);
    }
    this.record(env, via, report);
    this.log.append({
      type: 'sync.downlink-accepted',
      actor: 'platform',
      method: 'platform-signature',
      data: {
        seq: env.seq,
        kind: env.kind,
        via,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        rejected: report.rejected.length,
      },
    });
    return { status: 'accepted', seq: env.seq, report };
  }

  private record(env: DownlinkEnvelope, via: string, outcome: unknown): void {
    this.log.db
      .prepare('INSERT INTO sync_downlink (seq, kind, issued_at, received_at, via, report) VALUES (?, ?, ?, ?, ?, ?)')
      .run(env.seq, env.kind, env.issuedAt, Date.now(), via, JSON.stringify(outcome));
  }

  private refuse(
    raw: unknown,
    reason: Extract<DownlinkResult, { status: 'rejected' }>['reason'],
    error: string,
  ): DownlinkResult {
    const seq = (raw as { seq?: unknown } | null)?.seq;
    this.log.append({
      type: 'sync.downlink-rejected',
      actor: 'system',
      data: { seq: typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : null, reason, error },
    });
    return { status: 'rejected', reason, error };
  }
}
