import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtspTimeoutOption, videoTool } from '../../devices/camera/video-tools.ts';
import { waitUntil } from '../../test/wait-until.ts';
import { RelayThread } from './relay-thread.ts';

describe('the RTSP relay in its own thread', () => {
  const relay = new RelayThread();
  const ffmpeg = videoTool('ffmpeg');
  let publisher: ChildProcess | undefined;
  const publish = async (path: string) => {
    await relay.ready();
    publisher = spawn(
      ffmpeg,
      [
        ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=10'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'rtsp', '-rtsp_transport', 'tcp'],
        relay.url(path),
      ],
      { stdio: 'ignore' },
    );
    await relay.waitForPublisher(path, 20_000);
  };
  beforeAll(() => publish('cam/main'), 30_000);
  afterAll(async () => {
    publisher?.kill('SIGKILL');
    await relay.stop();
  });

  it('forwards a stream to a reader while the main thread is blocked', async () => {
    expect(await relay.sessions('cam/main')).toEqual({ publishing: true, players: 0 });
    // execFileSync blocks this thread until the reader is done: on this thread the relay could not forward a
    // packet, and the reader would give up at its 10 s timeout and fail.
    const out = execFileSync(
      ffmpeg,
      [
        ...['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', rtspTimeoutOption(ffmpeg), '10000000'],
        ...['-i', relay.url('cam/main'), '-frames:v', '10', '-f', 'framecrc', '-'],
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    // framecrc: one line per decoded frame.
    expect(out.split('\n').filter((l) => /^0,/.test(l))).toHaveLength(10);
  }, 90_000);

  it('ends a publication when asked, and answers a wait for a path nobody publishes with an error', async () => {
    const ended = new Promise((ok) => publisher!.once('exit', ok));
    relay.unpublish('cam/main');
    await ended; // the publisher's connection was closed under it
    expect(await relay.sessions('cam/main')).toEqual({ publishing: false, players: 0 });
    await expect(relay.waitForPublisher('nobody', 50)).rejects.toThrow('nothing published at nobody within 50 ms');
  }, 30_000);

  it('starts a new thread when its thread dies, which serves new publications', async () => {
    const worker = (relay as unknown as { worker: Worker }).worker;
    await worker.terminate();
    // Whatever was asked of the dead thread fails; the new one answers.
    await waitUntil(
      'the new relay thread to answer',
      () => relay.sessions('cam/main').catch(() => null),
      (s) => s !== null,
      20_000,
    );
    expect((relay as unknown as { worker: Worker }).worker).not.toBe(worker);
    await publish('cam/again');
    expect(await relay.sessions('cam/again')).toEqual({ publishing: true, players: 0 });
  }, 60_000);
});

it('stops its thread once however often it is asked (a video service is stopped twice), and refuses requests after', async () => {
  const relay = new RelayThread();
  await relay.ready();
  await Promise.all([relay.stop(), relay.stop()]);
  await relay.stop();
  await expect(relay.sessions('cam/main')).rejects.toThrow('the RTSP relay thread is stopped');
}, 30_000);
