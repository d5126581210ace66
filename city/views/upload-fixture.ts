// Tests' way to make what a venue uploads: events as the edge records them, passed through the edge's own
// projection (toUpstream), so the views are tested on exactly what arrives — or, with `raw`, on whatever a
// careless or hostile venue might send instead.
import { toUpstream } from '../../edge/sync/upstream-projection.ts';
import { bodyDigest, type UpstreamEvent } from '../../edge/sync/wire.ts';

export interface Recorded {
  type: string;
  at: number;
  session?: string | null;
  subject?: string | null;
  actor?: string | null;
  method?: string | null;
  data?: Record<string, unknown>;
}

const hex = (n: number) => n.toString(16).padStart(64, '0');

/** The event's header as recorded, "none" spelt null. */
const header = (e: Recorded) => ({
  at: e.at,
  type: e.type,
  session: e.session ?? null,
  subject: e.subject ?? null,
  actor: e.actor ?? null,
  method: e.method ?? null,
});
const chain = (seq: number) => ({ seq, prevHash: hex(seq - 1), hash: hex(seq) });

/** A venue's record as uploaded, seqs from `firstSeq`, projected as the edge projects it. */
export function uploaded(venue: string, events: Recorded[], firstSeq = 1): UpstreamEvent[] {
  return events.map((e, i) =>
    toUpstream({ ...chain(firstSeq + i), venue, ...header(e), data: e.data ?? {} }, (id) => `P-${id.length}`),
  );
}

/** An upload exactly as given, bypassing the venue's projection (a venue that sends what it must not). */
export function raw(seq: number, e: Recorded & { body: Record<string, unknown> | null }): UpstreamEvent {
  const view = { ...header(e), body: e.body };
  return { ...chain(seq), ...view, bodyDigest: bodyDigest(view) };
}

/** When the hostile uploads happen (their sessions are on this Asia/Shanghai day). */
export const HOSTILE_AT = Date.parse('2026-12-06T02:00:00Z');
const JPEG = `/9j/4AAQSkZJRgABAQ${'A'.repeat(400)}`;
/** Values that must never appear in any answer: each is put where a careless venue might put it. */
export const SECRETS = ['张三', 'Zhang-San-Name', '140502198803150012', JPEG, '13912345678', 'SECRET-TRACK-77'];
/** Ids the views read to count (experts' pseudonyms, a witness) but must not hand out. */
export const COUNTED_ONLY = ['EX-7731', 'EX-7732', 'witness-wang'];

/** What a careless or hostile venue might upload around T0, seq 1…9 (sign it to post it to a hub). */
export const hostileUploads = (T0 = HOSTILE_AT): UpstreamEvent[] => [
  raw(1, {
    type: 'session.scheduled',
    at: T0 - 3600_000,
    session: 'S1',
    actor: 'witness-wang',
    body: {
      transactionCode: 'TX-1',
      project: { code: 'P-1', name: '张三的项目' },
      projectName: 'Zhang-San-Name',
      room: 'room-1',
      start: T0,
      end: T0 + 3600_000,
      remote: null,
      notes: 'SECRET-TRACK-77',
    },
  }),
  raw(2, {
    type: 'session.experts-authorised',
    at: T0 - 3000_000,
    session: 'S1',
    body: {
      experts: [
        { pseudonym: 'EX-7731', seat: 's1', name: '张三', idNumber: '140502198803150012' },
        { pseudonym: 'EX-7732', seat: 's2', phone: '13912345678' },
        // A name where a pseudonym belongs: not an id, not read.
        { pseudonym: '张三', seat: 's3' },
      ],
    },
  }),
  raw(3, {
    type: 'checkin.accepted',
    at: T0 - 600_000,
    session: 'S1',
    subject: 'EX-7731',
    actor: 'EX-7731',
    method: 'id-card+face',
    body: { pseudonym: 'EX-7731', idPhoto: JPEG, faceTemplate: JPEG, expertName: '张三', verifiedBy: 'Zhang-San-Name' },
  }),
  raw(4, {
    type: 'tracking.position',
    at: T0 - 500_000,
    subject: 'badge-1',
    body: { badge: 'badge-1', x: 12.5, y: 3.25, trajectory: 'SECRET-TRACK-77' },
  }),
  raw(5, {
    type: 'alarm.raised',
    at: T0 - 400_000,
    session: 'Zhang-San-Name 张三',
    subject: '张三',
    body: {
      projectAlarm: {
        alarmCode: 'A1',
        alarmKind: 'wrong-room',
        alarmLevel: '3',
        alarmType: '01',
        alarmContent: '专家张三进入非本项目评标室（张三）',
        alarmTime: 'x',
        handleState: '0',
      },
      details: { person: 'Zhang-San-Name', photo: JPEG, x: 1, y: 2 },
    },
  }),
  raw(6, {
    type: 'alarm.raised',
    at: T0 - 300_000,
    body: {
      projectAlarm: {
        alarmCode: 'A2',
        alarmKind: 'SECRET-TRACK-77 张三',
        alarmLevel: '2',
        alarmContent: '门被强行打开（door-1）',
      },
    },
  }),
  raw(7, {
    type: 'device.offline',
    at: T0 - 200_000,
    subject: 'cam-1',
    body: { kind: 'camera', reason: 'last-will', snapshot: JPEG, operator: 'Zhang-San-Name' },
  }),
  raw(8, {
    type: 'face.template-enrolled',
    at: T0 - 100_000,
    actor: 'EX-7731',
    body: { template: JPEG, name: '张三' },
  }),
  raw(9, {
    type: 'session.state-changed',
    at: T0 - 50_000,
    session: 'S1',
    actor: 'witness-wang',
    body: { from: 'scheduled', to: 'checkin-open', reason: '张三迟到 Zhang-San-Name' },
  }),
];
