import { join } from 'node:path';
import fastifyWebsocket from '@fastify/websocket';
import Fastify from 'fastify';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { AlarmEngine } from '../edge/alerts/alarms.ts';
import { openDatabase } from '../edge/store/database.ts';
import { EventLog } from '../edge/store/event-log.ts';
import type { Segment } from '../edge/video/segment-index.ts';
import { type VideoOptions, VideoService } from '../edge/video/video-service.ts';
import { builtPages } from '../hall-server/routes/console.ts';
import { videoRoutes } from '../hall-server/routes/video.ts';
import { CameraFarm, type CameraFarmOptions } from '../simulators/camera/camera-farm.ts';
import { launchChromium } from './chromium.ts';
import { tempDir } from './venue-harness.ts';

/**
 * For a recording test file: simulated cameras, and a `VideoService` on a fresh SQLite file recording them over
 * RTSP/TCP in 2 s segments with the farm's credentials (`options` override). The farm is
 * started (streams ready) before the file's own `beforeAll`, and both are stopped after its tests.
 */
export function videoBed(cameras: CameraFarmOptions['cameras'], options: VideoOptions = {}) {
  const farm = new CameraFarm({ cameras, discovery: false });
  const dataDir = tempDir('halledge-video-');
  const db = openDatabase(join(dataDir, 'edge.db'));
  const log = new EventLog(db, 'qinshui');
  const alarms = new AlarmEngine(log);
  const video = new VideoService(
    { db, log, alarms, dataDir, logger: pino({ level: 'silent' }) },
    { segmentS: 2, credentials: farm.credentials, ...options },
  );
  beforeAll(async () => {
    await farm.start();
    await farm.streamsReady();
  });
  afterAll(async () => {
    await video.stop();
    await farm.stop();
  });
  /** The camera's indexed segments, oldest first. */
  const segs = (camera: string): Segment[] => video.timeline(camera, 0, Date.now() + 60_000).segments;
  return { farm, dataDir, db, log, alarms, video, segs };
}

/**
 * For a live-view test file: a `videoBed`, its video routes and the built pages served over HTTP and WebSocket on a free port
 * (`base` once started) and headless Chromium allowed to autoplay (`browser`).
 */
export function liveBed(cameras: CameraFarmOptions['cameras'], options: VideoOptions = {}) {
  const bed = videoBed(cameras, options);
  const app = Fastify();
  const live = { ...bed, base: '', browser: undefined as unknown as Browser };
  beforeAll(async () => {
    await app.register(fastifyWebsocket);
    await app.register(videoRoutes(bed.video));
    await app.register(builtPages);
    live.base = await app.listen({ port: 0, host: '127.0.0.1' });
    live.browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  });
  // After hooks run last-registered first: these close before videoBed stops the cameras.
  afterAll(async () => {
    await live.browser?.close();
    await app.close();
  });
  return live;
}
