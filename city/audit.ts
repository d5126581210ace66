import { GENESIS_HASH } from '../edge/store/event-log.ts';
import { signatureCheck } from '../edge/store/suites.ts';
import { batchManifest, bodyDigest } from '../edge/sync/wire.ts';
import type { CityHub } from './hub.ts';

export type StoredChainVerdict = { ok: true; events: number } | { ok: false; seq: number; reason: string };

/**
 * Re-checks what the hub holds for a venue, from its own tables: seqs 1..n without gaps, every prevHash
 * linking to the previous hash, every body matching its digest, and every stored batch's signature valid for
 * the venue's registered key over the events now held.
 */
export async function verifyStoredChain(hub: CityHub, venue: string): Promise<StoredChainVerdict> {
  const events = await hub.events(venue);
  let prev = GENESIS_HASH;
  for (const [i, e] of events.entries()) {
    if (e.seq !== i + 1) return { ok: false, seq: e.seq, reason: `expected seq ${i + 1}` };
    if (e.prevHash !== prev) return { ok: false, seq: e.seq, reason: 'prevHash does not link' };
    if (bodyDigest(e) !== e.bodyDigest) return { ok: false, seq: e.seq, reason: 'body does not match its digest' };
    prev = e.hash;
  }
  for (const b of await hub.batches(venue)) {
    if (b.stored === 0) continue;
    const signed = { ...b, events: events.slice(b.firstSeq - 1, b.lastSeq) };
    const key = await hub.registeredKey(venue, b.suite ?? 'ed25519-sha256');
    if (!key || !signatureCheck(key.publicKey)(batchManifest(signed), b.signature))
      return { ok: false, seq: b.firstSeq, reason: `batch ${b.id} signature does not verify` };
  }
  return { ok: true, events: events.length };
}
