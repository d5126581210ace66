// The video bench's simulated cameras, in a child process of their own (forked by bench/video.ts): their RTSP
// relay handles ~6,000 packets/s for 16 cameras, and out there it does not count towards the edge process's CPU,
// which the bench measures. On site that work is in the cameras. With `substreams` each serves one too.
import { CameraFarm } from '../simulators/camera/camera-farm.ts';

const ids = (process.argv[2] ?? '').split(',');
const substream = process.argv[3] === 'substreams';
const farm = new CameraFarm({
  cameras: ids.map((id) => ({ id, width: 1920, height: 1080, fps: 25 })),
  source: 'loop',
  substream,
  discovery: false,
});
await farm.prepareClips();
await farm.start();
await farm.streamsReady();
process.send?.({
  streams: Object.fromEntries(ids.map((id) => [id, farm.streamUrl(id)])),
  substreams: Object.fromEntries(ids.flatMap((id) => (farm.substreamUrl(id) ? [[id, farm.substreamUrl(id)]] : []))),
});
process.once('disconnect', () => void farm.stop().then(() => process.exit(0)));
