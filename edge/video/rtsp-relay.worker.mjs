// The edge's loopback RTSP relay (devices/camera/rtsp-relay.ts) in a worker thread, so forwarding every camera
// stream's packets to the recorders and live views runs on this thread's event loop, not on the one that takes
// gate decisions. Plain ESM for the reason segment-check.worker.mjs gives; the typed side, which owns the message
// shapes, is relay-thread.ts: `{ id, op, path?, ms? }` in, `{ id, result }` or `{ id, error }` out, and one
// `{ listening: port }` once the relay listens.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { RtspRelay } = await tsImport('../../devices/camera/rtsp-relay.ts', import.meta.url);

const relay = new RtspRelay(workerData);
const ops = {
  wait: ({ path, ms }) => relay.waitForPublisher(path, ms),
  sessions: ({ path }) => ({ publishing: relay.publishing(path), players: relay.sessions(path).players }),
  unpublish: ({ path }) => relay.unpublish(path),
  stop: () => relay.stop(),
};

// Requests sent while the relay starts wait in the port until this listener takes them.
parentPort.on('message', async (request) => {
  try {
    parentPort.postMessage({ id: request.id, result: await ops[request.op](request) });
  } catch (err) {
    parentPort.postMessage({ id: request.id, error: err.message });
  }
});
parentPort.postMessage({ listening: await relay.start() });
