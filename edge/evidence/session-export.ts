// A session's evidence package exported by the running venue: a checkpoint signed first (so every event of the
// session comes with an inclusion proof), the package built from the venue's own database and files, and the
// export recorded (`evidence.exported`, with the package's hash). Used by the console's export and by a remote
// session's host asking this venue for its part (edge/remote).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { VenueContext } from '../context.ts';
import { sm2PublicKeyPemIn } from '../store/suites.ts';
import { loadOrCreateVenueKey, platformKeyFile } from '../sync/keys.ts';
import { exportEvidence } from './export-evidence.ts';
import type { EvidenceManifest } from './package-format.ts';

export async function exportSessionEvidence(
  ctx: VenueContext,
  sessionId: string,
  exportedBy: string,
): Promise<{ zip: Uint8Array; manifest: EvidenceManifest }> {
  await ctx.anchor.checkpoint();
  const status = ctx.anchor.status();
  const platformKey = platformKeyFile(ctx.keysDir);
  const exported = await exportEvidence(
    {
      db: ctx.db,
      dataDir: ctx.dataDir,
      venue: ctx.venue.id,
      key: loadOrCreateVenueKey(ctx.keysDir),
      platformKeyPem: existsSync(platformKey) ? readFileSync(platformKey, 'utf8') : null,
      checkpointKeyPem: sm2PublicKeyPemIn(ctx.keysDir),
      checkpointFile: status.checkpointFile,
      receiptFile: status.receiptFile,
    },
    sessionId,
    exportedBy,
  );
  const { zip, manifest } = exported;
  ctx.log.append({
    type: 'evidence.exported',
    session: sessionId,
    actor: exportedBy,
    data: {
      sha256: createHash('sha256').update(zip).digest('hex'),
      bytes: zip.length,
      events: manifest.events.length,
      footage: manifest.footage.length,
      calls: manifest.calls.length,
    },
  });
  return exported;
}
