// The segment check (segment-check.ts: mp4box parse and SHA-256) in a worker thread, so the edge's event loop —
// gate decisions, badge ingest — never waits on video. Plain ESM because worker_threads cannot load .ts entry
// files under tsx/vitest; tsx's scoped loader imports the typed check itself, so there is one implementation.
// The typed side is segment-checker.ts, which owns the message shapes ({ id, path } in, CheckReply out).
import { parentPort } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { checkSegment } = await tsImport('./segment-check.ts', import.meta.url);

// Messages sent while the module above loads wait in the port until this listener starts it.
parentPort.on('message', async ({ id, path }) => {
  const started = performance.now();
  const check = await checkSegment(path);
  parentPort.postMessage({ id, check, ms: performance.now() - started });
});
