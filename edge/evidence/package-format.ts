// The evidence package of one evaluation session (issue #17): what the zip holds and the manifest the venue
// signs over it. Shared by the exporter (Node) and both verifiers (Node and the offline HTML page), so no Node
// APIs here.
import type { EventRow } from '../store/event-log.ts';

export const EVIDENCE_PROTOCOL = 'halledge-evidence/1';

/** Fixed names inside the package. Footage and call recordings go under footage/ and calls/. */
export const PACKAGE_FILES = {
  manifest: 'manifest.json',
  signature: 'manifest.sig',
  events: 'events.jsonl',
  anchors: 'anchors.json',
  checkins: 'checkins.json',
  summary: 'summary.html',
  verifier: 'verify.html',
} as const;

/**
 * One event as the record stores it (data is the JSON text the chain hash covers), with the RFC 9162 inclusion
 * proof of its chain hash at leaf seq − 1 of the package's checkpoint (null when it came after that checkpoint).
 */
export interface PackagedEvent extends Omit<EventRow, 'prev_hash'> {
  prevHash: string;
  proof: string[] | null;
}

export interface FileEntry {
  path: string;
  sha256: string;
  bytes: number;
}

export interface FootageEntry {
  camera: string;
  segment: number;
  path: string;
  start: number;
  end: number;
  /** As the segment index recorded it when the segment was finished. */
  sha256: string;
}

export interface CallEntry {
  call: string;
  path: string;
  /** Seq of the `intercom.recording` event whose data.sha256 the file must match. */
  recordingEvent: number;
}

/** What the venue signs (Ed25519 over the exact bytes of manifest.json). */
export interface EvidenceManifest {
  protocol: typeof EVIDENCE_PROTOCOL;
  venue: string;
  session: string;
  exportedAt: number;
  exportedBy: string;
  /** The venue's Ed25519 public key (SPKI PEM) and its id: compare the id with the one the city registered. */
  venueKey: { keyId: string; pem: string };
  /**
   * The venue's SM2 public key (SPKI PEM) when its checkpoints are in the 国密 suite: the checkpoint's SM2
   * signature is checked with it, its proofs with SM3. Absent or null: checkpoints are Ed25519 over SHA-256.
   */
  checkpointKey?: { keyId: string; pem: string } | null;
  /** The city platform's public key, when the venue holds it: receipts are checked with it. */
  platformKey: { keyId: string; pem: string } | null;
  /** The session's events in record order, by position and chain hash. */
  events: { seq: number; hash: string }[];
  footage: FootageEntry[];
  calls: CallEntry[];
  /** Every other file of the package with its hash; manifest.json, manifest.sig and verify.html are not listed. */
  files: FileEntry[];
}

export interface PackageAnchors {
  /** The signed checkpoint the proofs lead to, or null when the session's events came after the last one. */
  checkpoint: import('../store/checkpoint-format.ts').Checkpoint | null;
  /** The city's countersignature of that checkpoint, when it has one. */
  receipt: import('../store/checkpoint-format.ts').Receipt | null;
}

/** Footage of a camera's segment inside the package. */
export const footagePath = (camera: string, segment: number) => `footage/${safeName(camera)}/${segment}.mp4`;
export const callPath = (call: string) => `calls/${safeName(call)}.ogg`;

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * A remote session's package (远程异地): one part per venue, each the venue's own package (its manifest signed by
 * its own key) under `<venue>/`, listed in `parts.json`, with one verify.html at the top. The host builds it and
 * asks each guest venue for its part over the edge↔hub link (edge/remote).
 */
export const REMOTE_EVIDENCE_PROTOCOL = 'halledge-evidence-remote/1';
export const REMOTE_PARTS_FILE = 'parts.json';

export interface RemoteParts {
  protocol: typeof REMOTE_EVIDENCE_PROTOCOL;
  session: string;
  host: string;
  parts: { venue: string; role: 'host' | 'guest'; dir: string }[];
}

/** Where a venue's part lives inside a remote package. */
export const partDir = (venue: string) => `${safeName(venue)}/`;
