// The upstream wire protocol between a venue edge and the city platform, shared by the edge (edge/sync) and the
// platform simulator (simulators/city-platform). Pure functions: digests, batch manifests, signatures.
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

export const PROTOCOL = 'halledge-sync/1';

/**
 * One event as the city platform receives it: its chain position (seq, hash, prevHash) exactly as in the venue's
 * record, and a redacted view. `body` is null when the event type is not on the upload allow-list (withheld).
 * `bodyDigest` is the SHA-256 of the canonical JSON of the redacted view (every field but the chain position),
 * so an auditor with the venue's record can recompute it and prove the upload is the projection of that record.
 */
export interface UpstreamEvent {
  seq: number;
  prevHash: string;
  hash: string;
  at: number;
  type: string;
  session: string | null;
  subject: string | null;
  actor: string | null;
  method: string | null;
  body: Record<string, unknown> | null;
  bodyDigest: string;
}

export type RedactedView = Omit<UpstreamEvent, 'seq' | 'prevHash' | 'hash' | 'bodyDigest'>;

/** A run of consecutive events, signed by the venue over its content and its place in the hash chain. */
export interface SignedBatch {
  protocol: typeof PROTOCOL;
  venue: string;
  /** Which venue key signed (first 16 hex of the SHA-256 of its SPKI DER). */
  keyId: string;
  firstSeq: number;
  lastSeq: number;
  /** prevHash of the first event: where this batch hooks onto the chain the platform already holds. */
  prevHash: string;
  /** hash of the last event: the chain head after this batch. */
  lastHash: string;
  events: UpstreamEvent[];
  /** Ed25519 over batchManifest(...), base64. */
  signature: string;
}

/** What the platform answers to a batch (HTTP body, or MQTT ack payload). */
export type BatchAnswer =
  | { status: 'ack'; ackedSeq: number; ackedHash: string; duplicate: boolean }
  | { status: 'gap'; expectedSeq: number; error: string }
  | { status: 'rejected'; error: string };

/** A message from the platform to a venue (schedules, authorisations), signed by the platform. */
export interface DownlinkEnvelope {
  protocol: typeof PROTOCOL;
  /** Per-venue increasing number: the venue pulls "after N" and ignores a number it already accepted. */
  seq: number;
  venue: string;
  kind: 'schedule';
  issuedAt: number;
  payload: unknown;
  /** Ed25519 by the platform over downlinkManifest(...), base64. */
  signature: string;
}

/** JSON with object keys sorted at every level, so both sides digest the same bytes whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

export function bodyDigest(view: RedactedView): string {
  return sha256(
    canonicalJson({
      at: view.at,
      type: view.type,
      session: view.session,
      subject: view.subject,
      actor: view.actor,
      method: view.method,
      body: view.body,
    }),
  );
}

/** The bytes the venue signs: protocol, venue, key, chain position, and a digest over every event's line. */
export function batchManifest(b: Omit<SignedBatch, 'signature' | 'protocol'>): Buffer {
  const lines = createHash('sha256');
  for (const e of b.events) lines.update(`${e.seq} ${e.prevHash} ${e.hash} ${e.bodyDigest}\n`);
  return Buffer.from(
    [PROTOCOL, 'batch', b.venue, b.keyId, b.firstSeq, b.lastSeq, b.prevHash, b.lastHash, lines.digest('hex')].join(
      '\n',
    ),
  );
}

export function downlinkManifest(d: Omit<DownlinkEnvelope, 'signature' | 'protocol'>): Buffer {
  return Buffer.from(
    [PROTOCOL, 'downlink', d.venue, d.seq, d.kind, d.issuedAt, sha256(canonicalJson(d.payload))].join('\n'),
  );
}

export function keyId(publicKey: KeyObject): string {
  return sha256(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
}

export const signBytes = (privateKey: KeyObject, bytes: Buffer): string =>
  sign(null, bytes, privateKey).toString('base64');

export function verifyBytes(publicKey: KeyObject | string, bytes: Buffer, signature: string): boolean {
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    return verify(null, bytes, key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** Signature over a venue's pull request for its downlink (HTTP header), so only the venue reads its messages. */
export const pullManifest = (venue: string, after: number, at: number): Buffer =>
  Buffer.from([PROTOCOL, 'pull', venue, after, at].join('\n'));

/** MQTT topics, for deployments where venues reach the platform through a (clustered) broker. */
export const mqttTopics = (venue: string) => ({
  /** venue → platform: SignedBatch with a request id. */
  batch: `city/${venue}/up/batch`,
  /** venue → platform: {after} — send me every downlink message after this number. */
  pull: `city/${venue}/up/pull`,
  /** platform → venue: BatchAnswer with the request id. */
  ack: `city/${venue}/down/ack`,
  /** platform → venue: DownlinkEnvelope. */
  message: `city/${venue}/down/message`,
});
