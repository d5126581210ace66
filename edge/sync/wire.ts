// The upstream wire protocol between a venue edge and the city platform, shared by the edge (edge/sync) and the
// platform simulator (city). Pure functions: digests, batch manifests, signatures.
import { createHash, createPublicKey, hash, type KeyObject, sign, verify } from 'node:crypto';

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
  /**
   * Absent: Ed25519 with the venue's sync key. `sm2-sm3` (a venue in the 国密 suite): SM2 with the venue's SM2 key
   * (keyId is that key's), the manifest's line digest in SM3. Part of the signed manifest.
   */
  suite?: 'sm2-sm3';
  /** Over batchManifest(...), base64: Ed25519, or SM2 (DER) in the 国密 suite. */
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
  // Most views are built with sorted keys already: then plain JSON.stringify is the canonical form.
  return isCanonical(value) ? JSON.stringify(value) : sortedJson(value);
}

/** True if every object's keys are in sorted order and every number is finite (JSON.stringify needs no help). */
function isCanonical(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return typeof value !== 'undefined';
  if (Array.isArray(value)) {
    for (const v of value) if (v !== undefined && !isCanonical(v)) return false;
    return true;
  }
  let previous: string | null = null;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if ((previous !== null && previous >= key) || !isCanonical(v)) return false;
    previous = key;
  }
  return true;
}

function sortedJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += value[i] === undefined ? 'null' : sortedJson(value[i]);
        }
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      for (const key of keys) {
        const v = obj[key];
        if (v === undefined) continue;
        if (out.length > 1) out += ',';
        out += `${JSON.stringify(key)}:${sortedJson(v)}`;
      }
      return `${out}}`;
    }
    default:
      return 'null';
  }
}

/** One-shot SHA-256 (hex): called once per event, so no hash object per call. */
export const sha256 = (text: string | Buffer): string => hash('sha256', text, 'hex');

/** The canonical JSON of an event's redacted view: what its bodyDigest is the SHA-256 of. */
export function viewJson(view: RedactedView): string {
  // Keys in sorted order, so the canonical form is usually a plain JSON.stringify.
  return canonicalJson({
    actor: view.actor,
    at: view.at,
    body: view.body,
    method: view.method,
    session: view.session,
    subject: view.subject,
    type: view.type,
  });
}

export const bodyDigest = (view: RedactedView): string => sha256(viewJson(view));

/**
 * The bytes the venue signs: protocol, venue, key, chain position, and a digest over every event's line (SHA-256,
 * or SM3 in the 国密 suite, whose name then ends the manifest).
 */
export function batchManifest(b: Omit<SignedBatch, 'signature' | 'protocol'>): Buffer {
  const lines = createHash(b.suite === 'sm2-sm3' ? 'sm3' : 'sha256');
  for (const e of b.events) lines.update(`${e.seq} ${e.prevHash} ${e.hash} ${e.bodyDigest}\n`);
  const { venue, keyId, firstSeq, lastSeq, prevHash, lastHash, suite } = b;
  const fields = [PROTOCOL, 'batch', venue, keyId, firstSeq, lastSeq, prevHash, lastHash, lines.digest('hex')];
  return Buffer.from([...fields, ...(suite ? [suite] : [])].join('\n'));
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

/**
 * What a venue signs for an HTTP request to the hub that only it may make (its downlink pull, and the other
 * venue-only routes): method, path with query, time, and the digest of its JSON body (null for none).
 */
export const venueRequestManifest = (venue: string, method: string, url: string, at: number, body: unknown): Buffer =>
  Buffer.from(
    [PROTOCOL, 'request', venue, method.toUpperCase(), url, at, sha256(canonicalJson(body ?? null))].join('\n'),
  );

/** The headers that sign a venue's request (checked by the hub's verifyVenueRequest, city/venue-auth.ts). */
export function venueRequestHeaders(
  privateKey: KeyObject,
  venue: string,
  method: string,
  url: string,
  body: unknown = null,
  at = Date.now(),
): { 'x-halledge-at': string; 'x-halledge-signature': string } {
  const signature = signBytes(privateKey, venueRequestManifest(venue, method, url, at, body));
  return { 'x-halledge-at': String(at), 'x-halledge-signature': signature };
}

/** MQTT topics, for deployments where venues reach the platform through a (clustered) broker. */
export const mqttTopics = (venue: string) => ({
  /** venue → platform: SignedBatch with a request id. */
  batch: `city/${venue}/up/batch`,
  /** venue → platform: {id, submission} — a signed checkpoint of the record (CheckpointSubmission). */
  checkpoint: `city/${venue}/up/checkpoint`,
  /** venue → platform: {after} — send me every downlink message after this number. */
  pull: `city/${venue}/up/pull`,
  /** platform → venue: BatchAnswer or CheckpointAnswer with the request id. */
  ack: `city/${venue}/down/ack`,
  /** platform → venue: DownlinkEnvelope. */
  message: `city/${venue}/down/message`,
});
