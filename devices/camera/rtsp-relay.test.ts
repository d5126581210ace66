import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/venue-harness.ts';
import { RtspReader, RtspRelay } from './rtsp-relay.ts';
import { videoTool } from './video-tools.ts';

const frame = (channel: number, payload: Buffer) =>
  Buffer.concat([Buffer.from([0x24, channel, payload.length >> 8, payload.length & 0xff]), payload]);

describe('RtspReader', () => {
  const sdp = 'v=0\r\na=control:streamid=0\r\n';
  const bytes = Buffer.concat([
    Buffer.from('OPTIONS rtsp://h/a RTSP/1.0\r\nCSeq: 1\r\n\r\n'),
    frame(0, Buffer.alloc(1400, 7)),
    frame(1, Buffer.alloc(28, 9)),
    Buffer.from(`ANNOUNCE rtsp://h/a RTSP/1.0\r\nCSeq: 2\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`),
    Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 3\r\n\r\n'), // a client's answer: skipped
    frame(2, Buffer.alloc(3, 1)),
  ]);
  const summary = (pieces: ReturnType<RtspReader['push']>) =>
    pieces.map((p) =>
      'frame' in p ? `$${p.channel}:${p.frame.length}` : `${p.request.method} ${p.request.body.toString()}`,
    );
  for (const size of [1, 3, 7, 1000, bytes.length]) {
    it(`splits requests and $-framed packets fed ${size} bytes at a time`, () => {
      const reader = new RtspReader();
      const pieces = [];
      for (let at = 0; at < bytes.length; at += size) pieces.push(...reader.push(bytes.subarray(at, at + size)));
      expect(summary(pieces)).toEqual(['OPTIONS ', '$0:1404', '$1:32', `ANNOUNCE ${sdp}`, '$2:7']);
    });
  }
  it('hands packets out as views of the chunk they came in, not copies', () => {
    const chunk = Buffer.concat([frame(0, Buffer.alloc(10)), frame(0, Buffer.alloc(10))]);
    const pieces = new RtspReader().push(chunk);
    expect(pieces.map((p) => 'frame' in p && p.frame.buffer === chunk.buffer)).toEqual([true, true]);
  });
});

/** A bare RTSP client: one request at a time; after PLAY it counts what the server sends. */
function client(port: number) {
  const socket = connect(port, '127.0.0.1');
  let buffered = Buffer.alloc(0);
  let streamed = 0;
  let cseq = 0;
  const waiting: (() => void)[] = [];
  socket.on('error', () => {});
  socket.on('data', (c) => {
    if (waiting.length === 0) streamed += c.length;
    else buffered = Buffer.concat([buffered, c]);
    for (const w of waiting.splice(0)) w();
  });
  return {
    socket,
    received: () => streamed,
    async request(method: string, url: string, headers: Record<string, string> = {}, body = '') {
      const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${++cseq}`];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      if (body) lines.push(`Content-Length: ${body.length}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end >= 0) {
          const head = buffered.toString('utf8', 0, end);
          const length = Number(/Content-Length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (buffered.length >= end + 4 + length) {
            const text = buffered.toString('utf8', end + 4, end + 4 + length);
            buffered = buffered.subarray(end + 4 + length);
            return { status: Number(head.split(' ')[1]), head, body: text };
          }
        }
        await new Promise<void>((ok) => waiting.push(ok));
      }
    },
  };
}

describe('RtspRelay', () => {
  const relay = new RtspRelay({ maxBufferedBytes: 256 * 1024 });
  let publisher: ChildProcess;
  beforeAll(async () => {
    await relay.start();
    publisher = spawn(
      videoTool('ffmpeg'),
      [
        ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=10'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'rtsp', '-rtsp_transport', 'tcp'],
        relay.url('cam/main'),
      ],
      { stdio: 'ignore' },
    );
    await relay.waitForPublisher('cam/main', 20_000);
  });
  afterAll(async () => {
    publisher.kill('SIGKILL');
    await relay.stop();
  });

  for (const transport of ['tcp', 'udp'] as const) {
    it(`serves ffmpeg over ${transport === 'tcp' ? 'TCP interleaved' : 'UDP'}, one session per reader`, async () => {
      const reader = spawn(
        videoTool('ffmpeg'),
        [
          ...['-hide_banner', '-loglevel', 'error', '-rtsp_transport', transport, '-i', relay.url('cam/main')],
          ...['-frames:v', '10', '-f', 'framecrc', '-'],
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      let out = '';
      reader.stdout!.on('data', (d) => {
        out += d;
      });
      const sessions = await eventually(
        () => relay.sessions('cam/main'),
        (s) => s.players === 1,
        20_000,
      );
      expect(sessions).toEqual({ publishers: 1, players: 1 });
      const code = await new Promise((ok) => reader.on('exit', ok));
      expect(code).toBe(0);
      // framecrc: one line per decoded frame.
      expect(out.split('\n').filter((l) => /^0,/.test(l))).toHaveLength(10);
      await eventually(
        () => relay.sessions('cam/main').players,
        (n) => n === 0,
        10_000,
      );
    }, 60_000);
  }

  it('cuts off a player that stops reading; the publisher and the other players go on', async () => {
    // A fake publisher that sends as fast as the relay takes it.
    const pub = client(relay.port);
    const sdp = 'v=0\r\nm=video 0 RTP/AVP 96\r\na=control:streamid=0\r\n';
    expect((await pub.request('ANNOUNCE', relay.url('fast'), {}, sdp)).status).toBe(200);
    const setup = await pub.request('SETUP', `${relay.url('fast')}/streamid=0`, {
      Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record',
    });
    const session = /Session: (\w+)/.exec(setup.head)![1]!;
    expect((await pub.request('RECORD', relay.url('fast'), { Session: session })).status).toBe(200);

    const players = [client(relay.port), client(relay.port)];
    for (const p of players) {
      const described = await p.request('DESCRIBE', relay.url('fast'));
      expect(described.body).toBe(sdp);
      const s = await p.request('SETUP', `${relay.url('fast')}/streamid=0`, {
        Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
      });
      expect(s.head).toContain('interleaved=0-1');
      await p.request('PLAY', relay.url('fast'), { Session: /Session: (\w+)/.exec(s.head)![1]! });
    }
    const [steady, stalled] = players as [ReturnType<typeof client>, ReturnType<typeof client>];
    stalled.socket.pause();
    let cutOff = false;
    relay.once('dropped', () => {
      cutOff = true;
    });
    const packet = frame(0, Buffer.alloc(1400, 5));
    let sent = 0;
    // Sends until the stalled player is cut off (its unsent bytes pass 256 KB once the kernel's buffers are full).
    while (!cutOff) {
      if (sent > 2000 * 2 ** 20) throw new Error('the stalled player was never cut off');
      const burst = Buffer.concat(Array.from({ length: 64 }, () => packet));
      sent += burst.length;
      if (!pub.socket.write(burst)) await new Promise((ok) => pub.socket.once('drain', ok));
      await new Promise((ok) => setImmediate(ok));
    }
    // The steady one got every byte, in order, and is still playing.
    await eventually(
      () => steady.received(),
      (n) => n === sent,
      20_000,
      'every packet to the steady player',
    );
    expect(relay.sessions('fast')).toEqual({ publishers: 1, players: 1 });
    relay.unpublish('fast');
    await eventually(
      () => steady.socket.destroyed || steady.socket.readableEnded,
      (d) => d,
      10_000,
    );
  }, 120_000);
});
