// Verifying an evidence package from its bytes alone: the venue's signature on the manifest, the hash of every
// file, each event's chain hash recomputed from its content, its inclusion proof against the signed checkpoint,
// the checkpoint's and the city receipt's signatures. No Node APIs (WebCrypto only): the CLI runs it in Node,
// verify.html in a browser opened from disk.
import {
  type Checkpoint,
  checkpointManifest,
  checkpointShapeError,
  type Receipt,
  receiptManifest,
  receiptMatches,
  receiptShapeError,
} from '../store/checkpoint-format.ts';
import { type AsyncDigest, fromHex, leafInput, toHex, verifyInclusion, webSha256 } from '../store/merkle-verify.ts';
import { sm2PointFromSpki, sm2Verify } from '../store/sm2-curve.ts';
import { sm3Portable } from '../store/sm3.ts';
import {
  EVIDENCE_PROTOCOL,
  type EvidenceManifest,
  PACKAGE_FILES,
  type PackageAnchors,
  type PackagedEvent,
  REMOTE_EVIDENCE_PROTOCOL,
  REMOTE_PARTS_FILE,
  type RemoteParts,
} from './package-format.ts';

export type FindingKind =
  | 'package-unreadable'
  | 'manifest-signature'
  | 'file-missing'
  | 'file-altered'
  | 'file-unlisted'
  | 'event-missing'
  | 'event-unlisted'
  | 'event-reordered'
  | 'event-altered'
  | 'proof-invalid'
  | 'checkpoint-invalid'
  | 'receipt-invalid'
  | 'footage-altered'
  | 'call-altered'
  | 'part-mismatch';

export interface Finding {
  kind: FindingKind;
  /** The item concerned: a file path, `event #seq`, `checkpoint`, … */
  item: string;
  message: string;
}

export interface EvidenceVerdict {
  ok: boolean;
  findings: Finding[];
  /** Not failures, but limits of what the package proves (events after the last checkpoint, no receipt, …). */
  notes: string[];
  summary: {
    venue: string;
    session: string;
    keyId: string;
    exportedAt: number;
    events: number;
    anchoredEvents: number;
    checkpoint: { size: number; at: number } | null;
    receipt: { receivedAt: number; platformKeyId: string } | null;
    footage: number;
    calls: number;
    files: number;
  } | null;
  /** A remote session's package: each venue's part with its own verdict (the summary is the host's part). */
  parts?: { venue: string; role: 'host' | 'guest'; verdict: EvidenceVerdict }[];
}

const text = new TextDecoder();
const utf8 = new TextEncoder();

const sha256Hex = async (data: Uint8Array) => toHex(await webSha256(data));

/**
 * The chain hash of an event from its content: what edge/store/event-log.ts eventHash computes. Format 2 hashes
 * the RFC 8785 canonical JSON of the columns — for this array of integers, null and well-formed strings (the
 * record refuses others) that is exactly JSON.stringify's output; format 3 (a venue in the 国密 suite) is the
 * same array hashed with SM3 (WebCrypto has none: sm3.ts); format 1 (older events) joins them with U+001F.
 */
export const chainHash = async (e: PackagedEvent) => {
  const content = utf8.encode(
    e.format === 1 || e.format === undefined
      ? [
          e.seq,
          e.venue,
          e.at,
          e.type,
          e.session ?? '',
          e.actor ?? '',
          e.method ?? '',
          e.subject ?? '',
          e.data,
          e.prevHash,
        ].join('\u001f')
      : JSON.stringify([
          e.format,
          e.seq,
          e.venue,
          e.at,
          e.type,
          e.session,
          e.actor,
          e.method,
          e.subject,
          e.data,
          e.prevHash,
        ]),
  );
  return e.format === 3 ? toHex(sm3Portable(content)) : sha256Hex(content);
};

function pemToDer(pem: string): Uint8Array {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return base64(b64);
}

function base64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** An Ed25519 check with a public key in SPKI PEM; a malformed key or signature verifies nothing. */
async function ed25519(pem: string): Promise<(data: Uint8Array, signature: string) => Promise<boolean>> {
  const key = await crypto.subtle.importKey(
    'spki',
    pemToDer(pem) as Uint8Array<ArrayBuffer>,
    { name: 'Ed25519' },
    false,
    ['verify'],
  );
  return async (data, signature) => {
    try {
      return await crypto.subtle.verify(
        'Ed25519',
        key,
        base64(signature) as Uint8Array<ArrayBuffer>,
        data as Uint8Array<ArrayBuffer>,
      );
    } catch {
      return false;
    }
  };
}

/**
 * A checkpoint's signature: SM2 with the manifest's checkpoint key in the 国密 suite (sm2-curve.ts: WebCrypto has
 * no SM2), else Ed25519 with the venue key. The suite is inside the signed bytes, so it cannot be swapped.
 */
async function checkpointSignatureValid(
  checkpoint: Checkpoint,
  manifest: EvidenceManifest,
  venueKey: (data: Uint8Array, signature: string) => Promise<boolean>,
): Promise<boolean> {
  const bytes = checkpointManifest(checkpoint);
  if (checkpoint.suite !== 'sm2-sm3') return venueKey(bytes, checkpoint.signature);
  const point = manifest.checkpointKey ? sm2PointFromSpki(manifest.checkpointKey.pem) : null;
  return point !== null && sm2Verify(point, bytes, checkpoint.signature);
}

function parseEvents(bytes: Uint8Array, findings: Finding[]): PackagedEvent[] {
  const events: PackagedEvent[] = [];
  text
    .decode(bytes)
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        events.push(JSON.parse(line) as PackagedEvent);
      } catch {
        findings.push({ kind: 'event-altered', item: `events.jsonl line ${i + 1}`, message: 'not JSON' });
      }
    });
  return events;
}

/** Verifies a package given as its files (path → bytes): one venue's, or a remote session's parts. */
export async function verifyEvidence(files: ReadonlyMap<string, Uint8Array>): Promise<EvidenceVerdict> {
  return files.has(REMOTE_PARTS_FILE) ? verifyRemoteParts(files) : verifyVenuePackage(files);
}

/**
 * A remote session's package: every venue's part verified on its own (its files, signed by its own venue key),
 * all parts of the one session, each part the venue it says, no file outside the parts.
 */
async function verifyRemoteParts(files: ReadonlyMap<string, Uint8Array>): Promise<EvidenceVerdict> {
  const findings: Finding[] = [];
  let index: RemoteParts;
  try {
    index = JSON.parse(text.decode(files.get(REMOTE_PARTS_FILE)!)) as RemoteParts;
    if (index.protocol !== REMOTE_EVIDENCE_PROTOCOL) throw new Error(`protocol: expected ${REMOTE_EVIDENCE_PROTOCOL}`);
    if (!Array.isArray(index.parts) || !index.parts.length) throw new Error('parts: none listed');
  } catch (err) {
    findings.push({ kind: 'package-unreadable', item: REMOTE_PARTS_FILE, message: (err as Error).message });
    return { ok: false, findings, notes: [], summary: null };
  }
  const parts: NonNullable<EvidenceVerdict['parts']> = [];
  const notes: string[] = [];
  const claimed = new Set<string>([REMOTE_PARTS_FILE, PACKAGE_FILES.verifier]);
  for (const part of index.parts) {
    const own = new Map<string, Uint8Array>();
    for (const [path, bytes] of files)
      if (path.startsWith(part.dir)) {
        own.set(path.slice(part.dir.length), bytes);
        claimed.add(path);
      }
    const verdict = await verifyVenuePackage(own);
    parts.push({ venue: part.venue, role: part.role, verdict });
    const where = (item: string) => `${part.venue}: ${item}`;
    findings.push(...verdict.findings.map((f) => ({ ...f, item: where(f.item) })));
    notes.push(...verdict.notes.map((n) => `${part.venue}: ${n}`));
    const s = verdict.summary;
    if (s && s.session !== index.session)
      findings.push({
        kind: 'part-mismatch',
        item: where('manifest'),
        message: `session ${s.session}, not ${index.session}`,
      });
    if (s && s.venue !== part.venue)
      findings.push({ kind: 'part-mismatch', item: where('manifest'), message: `signed by venue ${s.venue}` });
  }
  for (const path of files.keys())
    if (!claimed.has(path))
      findings.push({ kind: 'file-unlisted', item: path, message: 'in the package but in no venue part' });
  const host = parts.find((p) => p.role === 'host') ?? parts[0]!;
  return { ok: findings.length === 0, findings, notes, summary: host.verdict.summary, parts };
}

async function verifyVenuePackage(files: ReadonlyMap<string, Uint8Array>): Promise<EvidenceVerdict> {
  const findings: Finding[] = [];
  const notes: string[] = [];
  const fail = (kind: FindingKind, item: string, message: string) => findings.push({ kind, item, message });

  const manifestBytes = files.get(PACKAGE_FILES.manifest);
  const signature = files.get(PACKAGE_FILES.signature);
  if (!manifestBytes || !signature) {
    fail('package-unreadable', PACKAGE_FILES.manifest, 'the package has no manifest.json or manifest.sig');
    return { ok: false, findings, notes, summary: null };
  }
  let manifest: EvidenceManifest;
  try {
    manifest = JSON.parse(text.decode(manifestBytes)) as EvidenceManifest;
    if (manifest.protocol !== EVIDENCE_PROTOCOL) throw new Error(`protocol: expected ${EVIDENCE_PROTOCOL}`);
  } catch (err) {
    fail('package-unreadable', PACKAGE_FILES.manifest, (err as Error).message);
    return { ok: false, findings, notes, summary: null };
  }

  const venueKey = await ed25519(manifest.venueKey.pem);
  if (!(await venueKey(manifestBytes, text.decode(signature).trim())))
    fail('manifest-signature', PACKAGE_FILES.manifest, 'the venue signature does not verify: the manifest was changed');

  // Every listed file is there with its hash; nothing else is.
  const listed = new Set<string>([PACKAGE_FILES.manifest, PACKAGE_FILES.signature, PACKAGE_FILES.verifier]);
  for (const f of manifest.files) {
    listed.add(f.path);
    const bytes = files.get(f.path);
    if (!bytes) fail('file-missing', f.path, 'listed in the manifest, absent from the package');
    else if ((await sha256Hex(bytes)) !== f.sha256)
      fail('file-altered', f.path, `SHA-256 differs from the manifest's ${f.sha256.slice(0, 16)}…`);
  }
  for (const path of files.keys())
    if (!listed.has(path)) fail('file-unlisted', path, 'in the package but not in the signed manifest');

  // Anchors: the checkpoint (venue key) and the city's receipt (platform key).
  let checkpoint: Checkpoint | null = null;
  let receipt: Receipt | null = null;
  const anchorBytes = files.get(PACKAGE_FILES.anchors);
  const anchors = anchorBytes ? (JSON.parse(text.decode(anchorBytes)) as PackageAnchors) : null;
  if (anchors?.checkpoint) {
    const shape = checkpointShapeError(anchors.checkpoint);
    if (shape) fail('checkpoint-invalid', 'checkpoint', shape);
    else if (anchors.checkpoint.venue !== manifest.venue)
      fail('checkpoint-invalid', 'checkpoint', `venue ${anchors.checkpoint.venue}, not ${manifest.venue}`);
    else if (!(await checkpointSignatureValid(anchors.checkpoint, manifest, venueKey)))
      fail('checkpoint-invalid', 'checkpoint', `signature of the checkpoint of size ${anchors.checkpoint.size} fails`);
    else checkpoint = anchors.checkpoint;
  } else notes.push('no signed checkpoint covers these events: they rest on the hash chain alone');
  if (anchors?.receipt && checkpoint) {
    const r = anchors.receipt;
    const shape = receiptShapeError(r);
    if (shape) fail('receipt-invalid', 'receipt', shape);
    else if (!receiptMatches(r, checkpoint)) fail('receipt-invalid', 'receipt', 'countersigns another checkpoint');
    else if (!manifest.platformKey) {
      notes.push('the city platform key is not in the package: the receipt signature is not checked');
    } else if (!(await (await ed25519(manifest.platformKey.pem))(receiptManifest(r), r.signature)))
      fail('receipt-invalid', 'receipt', 'the city platform signature does not verify');
    else receipt = r;
  } else if (checkpoint) notes.push('the checkpoint has no receipt from the city in this package');

  // Events: each in the manifest's order, its chain hash from its content, its proof to the checkpoint root.
  const eventsBytes = files.get(PACKAGE_FILES.events);
  const events = eventsBytes ? parseEvents(eventsBytes, findings) : [];
  await checkEvents(manifest, events, checkpoint, fail, notes);

  // Footage and calls: the file's bytes against what the record says they were.
  const hashOf = async (path: string) => {
    const b = files.get(path);
    return b ? sha256Hex(b) : null;
  };
  for (const f of manifest.footage) {
    const h = await hashOf(f.path);
    if (h !== null && h !== f.sha256)
      fail('footage-altered', f.path, `camera ${f.camera} segment ${f.segment}: SHA-256 differs from the index's`);
  }
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  for (const c of manifest.calls) {
    const h = await hashOf(c.path);
    const event = bySeq.get(c.recordingEvent);
    const recorded = event ? (JSON.parse(event.data) as { sha256?: string }).sha256 : undefined;
    if (h !== null && recorded !== undefined && h !== recorded)
      fail('call-altered', c.path, `call ${c.call}: not the recording event #${c.recordingEvent} hashed`);
  }

  const anchored = checkpoint ? events.filter((e) => e.seq <= checkpoint.size).length : 0;
  return {
    ok: findings.length === 0,
    findings,
    notes,
    summary: {
      venue: manifest.venue,
      session: manifest.session,
      keyId: manifest.venueKey.keyId,
      exportedAt: manifest.exportedAt,
      events: events.length,
      anchoredEvents: anchored,
      checkpoint: checkpoint && { size: checkpoint.size, at: checkpoint.at },
      receipt: receipt && { receivedAt: receipt.receivedAt, platformKeyId: receipt.platformKeyId },
      footage: manifest.footage.length,
      calls: manifest.calls.length,
      files: manifest.files.length,
    },
  };
}

async function checkEvents(
  manifest: EvidenceManifest,
  events: PackagedEvent[],
  checkpoint: Checkpoint | null,
  fail: (kind: FindingKind, item: string, message: string) => void,
  notes: string[],
): Promise<void> {
  const present = new Map(events.map((e, i) => [e.seq, i]));
  const expected = new Map(manifest.events.map((e, i) => [e.seq, i]));
  for (const e of manifest.events)
    if (!present.has(e.seq))
      fail('event-missing', `event #${e.seq}`, 'in the signed manifest, absent from events.jsonl');
  for (const e of events)
    if (!expected.has(e.seq)) fail('event-unlisted', `event #${e.seq}`, 'in events.jsonl but not in the manifest');
  // Position: the events common to both, in the file's order, must keep the manifest's (record) order.
  const common = events.filter((e) => expected.has(e.seq));
  const order = manifest.events.filter((e) => present.has(e.seq));
  common.forEach((e, i) => {
    if (e.seq !== order[i]!.seq)
      fail('event-reordered', `event #${e.seq}`, `at position ${i + 1}, where the record has event #${order[i]!.seq}`);
  });
  const root = checkpoint ? fromHex(checkpoint.root) : null;
  // The tree's hash follows the checkpoint's suite: SM3 for a 国密 checkpoint.
  const digest: AsyncDigest = checkpoint?.suite === 'sm2-sm3' ? async (data) => sm3Portable(data) : webSha256;
  let unanchored = 0;
  for (const e of events) {
    const item = `event #${e.seq}`;
    const listedHash = manifest.events[expected.get(e.seq) ?? -1]?.hash;
    const computed = await chainHash(e);
    if (computed !== e.hash || (listedHash !== undefined && listedHash !== e.hash)) {
      fail('event-altered', item, `${e.type}: its content does not give its chain hash`);
      continue;
    }
    if (!checkpoint || !root || e.seq > checkpoint.size) {
      unanchored++;
      continue;
    }
    const leaf = await digest(leafInput(fromHex(e.hash)));
    const ok =
      e.proof !== null &&
      (await verifyInclusion(e.seq - 1, checkpoint.size, leaf, e.proof.map(fromHex), root, digest).catch(() => false));
    if (!ok) fail('proof-invalid', item, `not included in the checkpoint of size ${checkpoint.size}`);
  }
  if (unanchored > 0)
    notes.push(`${unanchored} events came after the signed checkpoint: the hash chain alone holds them`);
}
