// Building a remote session's evidence package from the venues' own packages: each part keeps its files and its
// venue's signature untouched, under its own folder (package-format.ts: RemoteParts). Nothing is re-signed: the
// verifier checks every part with the key its manifest names, and that all parts are of one session.
import { unzipSync, type Zippable, zipSync } from 'fflate';
import {
  PACKAGE_FILES,
  partDir,
  REMOTE_EVIDENCE_PROTOCOL,
  REMOTE_PARTS_FILE,
  type RemoteParts,
} from './package-format.ts';

export interface VenuePart {
  venue: string;
  role: 'host' | 'guest';
  /** The venue's own package (zip bytes) as it exported it. */
  zip: Uint8Array;
}

export function combineRemoteParts(session: string, host: string, parts: VenuePart[], now = Date.now()): Uint8Array {
  const index: RemoteParts = {
    protocol: REMOTE_EVIDENCE_PROTOCOL,
    session,
    host,
    parts: parts.map((p) => ({ venue: p.venue, role: p.role, dir: partDir(p.venue) })),
  };
  const zippable: Zippable = {};
  let verifier: Uint8Array | undefined;
  for (const part of parts) {
    for (const [path, bytes] of Object.entries(unzipSync(part.zip))) {
      // One verifier for the whole package, at the top (each part's is the same page).
      if (path === PACKAGE_FILES.verifier) {
        verifier ??= bytes;
        continue;
      }
      zippable[`${partDir(part.venue)}${path}`] = [bytes, { level: /\.(mp4|ogg)$/.test(path) ? 0 : 6 }];
    }
  }
  zippable[REMOTE_PARTS_FILE] = new TextEncoder().encode(JSON.stringify(index, null, 2));
  if (verifier) zippable[PACKAGE_FILES.verifier] = verifier;
  return zipSync(zippable, { mtime: new Date(now) });
}
