import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

/**
 * A small RTSP 1.0 relay (RFC 2326): a publisher pushes a stream to a path (ANNOUNCE, SETUP, RECORD — as
 * `ffmpeg -f rtsp -rtsp_transport tcp` does), and any number of players pull it (DESCRIBE, SETUP, PLAY,
 * TEARDOWN) over TCP interleaved (`$`-framed RTP on the RTSP connection, what real cameras default to) or over
 * UDP. One publisher per path, fanned out to every player: the camera simulator serves its cameras with it, and
 * the edge pulls each camera stream once into it so the recorder and the live views share that one pull.
 *
 * Why our own: npm has no maintained, permissively licensed RTSP server that does interleaved TCP (the one used
 * before, rtsp-streaming-server, is GPL-3.0, UDP-only and patched `net`/`dgram` process-wide). Publishers must
 * send over TCP; RTP is forwarded as it arrives, never parsed. No authentication: it binds loopback.
 */
export interface RtspRelayOptions {
  /** Address to bind (127.0.0.1). */
  host?: string;
  /** TCP port (0: any free one). */
  port?: number;
  /** A DESCRIBE for a path nobody publishes yet waits this long for a publisher before 404 (0: answers at once). */
  waitForPublisherMs?: number;
  /** A player whose connection holds more than this unsent is cut off, so it never holds back the others. */
  maxBufferedBytes?: number;
}

interface Track {
  /** The `a=control` of the track in the publisher's SDP (ffmpeg: `streamid=N`). */
  control: string;
  /** The interleaved channels the publisher sends its RTP and RTCP on, once it set the track up. */
  channels?: [number, number];
}

interface Publication {
  path: string;
  sdp: string;
  tracks: Track[];
  publisher: Socket;
  recording: boolean;
  players: Set<PlayerSession>;
}

interface PlayerSession {
  id: string;
  socket: Socket;
  path: string;
  /** Publisher channel → what to do with it: the player's channel (TCP) or its UDP port (UDP). */
  routes: Map<number, { channel: number } | { port: number }>;
  playing: boolean;
  /** Every publisher channel goes to the same channel number over TCP: whole runs of frames are forwarded as is. */
  sameChannels: boolean;
}

interface RtspRequest {
  method: string;
  url: string;
  headers: Map<string, string>;
  body: Buffer;
}

/** A parsed piece of an RTSP connection: a request, or one `$`-framed packet (header included). */
type Piece = { request: RtspRequest } | { channel: number; frame: Buffer };

export class RtspRelay extends EventEmitter<{
  publish: [path: string];
  unpublish: [path: string];
  /** A player cut off because it did not keep up. */
  dropped: [path: string];
}> {
  private server?: Server;
  private udp?: { rtp: UdpSocket; rtcp: UdpSocket };
  private readonly publications = new Map<string, Publication>();
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly sockets = new Set<Socket>();
  private nextSession = 1;
  port = 0;

  constructor(private readonly options: RtspRelayOptions = {}) {
    super();
  }

  async start(): Promise<number> {
    const host = this.options.host ?? '127.0.0.1';
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((ok, fail) => this.server!.once('error', fail).listen(this.options.port ?? 0, host, ok));
    this.port = (this.server.address() as AddressInfo).port;
    const rtp = createSocket('udp4');
    const rtcp = createSocket('udp4');
    await Promise.all([rtp, rtcp].map((s) => new Promise<void>((ok) => s.bind(0, host, ok))));
    this.udp = { rtp, rtcp };
    return this.port;
  }

  url(path: string): string {
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    return `rtsp://${this.options.host ?? '127.0.0.1'}:${this.port}/${encoded}`;
  }

  /** Whether somebody publishes to the path (its stream is recorded into the relay). */
  publishing(path: string): boolean {
    return this.publications.get(path)?.recording === true;
  }

  /** RTSP sessions on a path, for tests and the bench: its publisher (0 or 1) and its players. */
  sessions(path: string): { publishers: number; players: number } {
    const p = this.publications.get(path);
    return { publishers: p ? 1 : 0, players: p?.players.size ?? 0 };
  }

  /** Resolves once the path is published; rejects after `timeoutMs`. */
  async waitForPublisher(path: string, timeoutMs: number): Promise<void> {
    if (this.publishing(path)) return;
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => {
        this.waiting.get(path)?.delete(done);
        fail(new Error(`nothing published at ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        ok();
      };
      this.waitersOf(path).add(done);
    });
  }

  /** Ends a path's publication: its publisher and every player are disconnected (as a camera that went away). */
  unpublish(path: string): void {
    const p = this.publications.get(path);
    if (!p) return;
    this.publications.delete(path);
    p.publisher.destroy();
    for (const s of p.players) s.socket.destroy();
    this.emit('unpublish', path);
  }

  async stop(): Promise<void> {
    for (const path of [...this.publications.keys()]) this.unpublish(path);
    for (const s of this.sockets) s.destroy();
    for (const s of Object.values(this.udp ?? {})) s.close();
    this.udp = undefined;
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  }

  private waitersOf(path: string): Set<() => void> {
    const set = this.waiting.get(path) ?? new Set();
    this.waiting.set(path, set);
    return set;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const sessions = new Set<PlayerSession>();
    let published: Publication | undefined;
    const reader = new RtspReader();
    socket.on('data', (chunk) => {
      let pieces: Piece[];
      try {
        pieces = reader.push(chunk);
      } catch (err) {
        socket.end(`RTSP/1.0 400 Bad Request\r\n\r\n`);
        socket.destroy(err as Error);
        return;
      }
      const frames: { channel: number; frame: Buffer }[] = [];
      for (const piece of pieces) {
        if ('frame' in piece) {
          frames.push(piece);
          continue;
        }
        if (published?.recording && frames.length > 0) this.forward(published, frames.splice(0));
        const request = piece.request;
        void this.handle(request, socket, sessions, (p) => {
          published = p;
        }).then(
          (reply) => socket.writable && socket.write(reply),
          (err: Error) => socket.writable && socket.write(response(request, 500, { reason: err.message })),
        );
      }
      // Frames from a player are its RTCP receiver reports: nothing to do with them.
      if (published?.recording && frames.length > 0) this.forward(published, frames);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (const s of sessions) this.publications.get(s.path)?.players.delete(s);
      if (published && this.publications.get(published.path) === published) this.unpublish(published.path);
    });
  }

  private async handle(
    req: RtspRequest,
    socket: Socket,
    sessions: Set<PlayerSession>,
    setPublished: (p: Publication) => void,
  ): Promise<string> {
    const path = pathOf(req.url);
    switch (req.method) {
      case 'OPTIONS':
        return response(req, 200, {
          Public: 'OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, TEARDOWN, GET_PARAMETER',
        });
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return response(req, 200, { Session: req.headers.get('session') });
      case 'ANNOUNCE': {
        const sdp = req.body.toString('utf8');
        const tracks = [...sdp.matchAll(/^a=control:(\S+)/gm)]
          .filter((m) => m[1] !== '*')
          .map((m) => ({ control: m[1]! }));
        // A publisher that comes back (a restarted encoder) takes its path over from one that never said goodbye.
        this.unpublish(path);
        const p: Publication = { path, sdp, tracks, publisher: socket, recording: false, players: new Set() };
        this.publications.set(path, p);
        setPublished(p);
        return response(req, 200, {});
      }
      case 'DESCRIBE': {
        let p = this.publications.get(path);
        if (!p?.recording && (this.options.waitForPublisherMs ?? 0) > 0) {
          await this.waitForPublisher(path, this.options.waitForPublisherMs!).catch(() => {});
          p = this.publications.get(path);
        }
        if (!p?.recording) return response(req, 404, {});
        const base = `${req.url.replace(/\/$/, '')}/`;
        return response(req, 200, { 'Content-Base': base, 'Content-Type': 'application/sdp' }, p.sdp);
      }
      case 'SETUP':
        return this.setup(req, socket, sessions);
      case 'RECORD': {
        const p = this.publications.get(path);
        if (!p || p.publisher !== socket) return response(req, 455, {});
        p.recording = true;
        for (const done of this.waiting.get(path) ?? []) done();
        this.waiting.delete(path);
        this.emit('publish', path);
        return response(req, 200, { Session: req.headers.get('session') });
      }
      case 'PLAY': {
        const id = sessionId(req);
        const mine = [...sessions].filter((s) => s.id === id);
        if (mine.length === 0) return response(req, 454, {});
        for (const s of mine) s.playing = true;
        return response(req, 200, { Session: id, Range: 'npt=0.000-' });
      }
      case 'TEARDOWN': {
        const id = sessionId(req);
        for (const s of [...sessions].filter((s) => s.id === id)) {
          sessions.delete(s);
          this.publications.get(s.path)?.players.delete(s);
        }
        const p = this.publications.get(path);
        if (p?.publisher === socket) this.unpublish(path);
        return response(req, 200, { Session: id });
      }
      default:
        return response(req, 405, {});
    }
  }

  /** SETUP of one track: the publisher says which channels it sends on; a player which it wants them on. */
  private setup(req: RtspRequest, socket: Socket, sessions: Set<PlayerSession>): string {
    const found = this.trackOf(req.url);
    if (!found) return response(req, 404, {});
    const { publication: p, track } = found;
    const transport = req.headers.get('transport') ?? '';
    const interleaved = /interleaved=(\d+)-(\d+)/.exec(transport);
    const id = sessionId(req) ?? String(this.nextSession++);
    if (p.publisher === socket) {
      if (!interleaved) return response(req, 461, { reason: 'publish over TCP (interleaved)' });
      track.channels = [Number(interleaved[1]), Number(interleaved[2])];
      return response(req, 200, { Session: id, Transport: transport });
    }
    if (!track.channels) return response(req, 404, {});
    let session = [...sessions].find((s) => s.id === id && s.path === p.path);
    if (!session) {
      session = { id, socket, path: p.path, routes: new Map(), playing: false, sameChannels: true };
      sessions.add(session);
      p.players.add(session);
    }
    const [rtp, rtcp] = track.channels;
    if (/\/TCP/i.test(transport)) {
      const first = interleaved ? Number(interleaved[1]) : 2 * p.tracks.indexOf(track);
      session.routes.set(rtp, { channel: first });
      session.routes.set(rtcp, { channel: first + 1 });
      session.sameChannels &&= first === rtp;
      return response(req, 200, {
        Session: id,
        Transport: `RTP/AVP/TCP;unicast;interleaved=${first}-${first + 1}`,
      });
    }
    const ports = /client_port=(\d+)-(\d+)/.exec(transport);
    if (!ports || !this.udp) return response(req, 461, {});
    session.routes.set(rtp, { port: Number(ports[1]) });
    session.routes.set(rtcp, { port: Number(ports[2]) });
    session.sameChannels = false;
    const server = `${this.udp.rtp.address().port}-${this.udp.rtcp.address().port}`;
    return response(req, 200, {
      Session: id,
      Transport: `RTP/AVP;unicast;client_port=${ports[1]}-${ports[2]};server_port=${server}`,
    });
  }

  /** The publication and track a SETUP URL names: `<path>/<control>`, the longest published path first. */
  private trackOf(url: string): { publication: Publication; track: Track } | undefined {
    const full = pathOf(url);
    const candidates = [...this.publications.values()]
      .filter((p) => full.startsWith(`${p.path}/`))
      .sort((a, b) => b.path.length - a.path.length);
    for (const publication of candidates) {
      const control = full.slice(publication.path.length + 1);
      const track = publication.tracks.find((t) => t.control === control || url.endsWith(`/${t.control}`));
      if (track) return { publication, track };
    }
    return undefined;
  }

  /** Sends the publisher's packets to each playing player, as they came; a player too far behind is cut off. */
  private forward(p: Publication, frames: { channel: number; frame: Buffer }[]): void {
    const limit = this.options.maxBufferedBytes ?? 8 * 2 ** 20;
    let runs: Buffer[] | undefined;
    for (const s of p.players) {
      if (!s.playing) continue;
      if (s.socket.writableLength > limit) {
        p.players.delete(s);
        s.socket.destroy();
        this.emit('dropped', p.path);
        continue;
      }
      if (s.sameChannels && frames.every((f) => s.routes.has(f.channel))) {
        runs ??= contiguousRuns(frames.map((f) => f.frame));
        s.socket.cork();
        for (const run of runs) s.socket.write(run);
        s.socket.uncork();
        continue;
      }
      s.socket.cork();
      for (const { channel, frame } of frames) {
        const route = s.routes.get(channel);
        if (!route) continue;
        if ('port' in route) {
          const udp = channel % 2 === 0 ? this.udp?.rtp : this.udp?.rtcp;
          udp?.send(frame.subarray(4), route.port, s.socket.remoteAddress);
        } else if (route.channel === channel) s.socket.write(frame);
        else s.socket.write(Buffer.concat([Buffer.from([0x24, route.channel]), frame.subarray(2)]));
      }
      s.socket.uncork();
    }
  }
}

/**
 * Splits an RTSP connection's bytes into requests and `$`-framed packets. Packets are views of the chunk they
 * came in (no copy); only a piece cut across two chunks is joined.
 */
export class RtspReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Piece[] {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const pieces: Piece[] = [];
    let at = 0;
    while (at < buf.length) {
      if (buf[at] === 0x24) {
        if (at + 4 > buf.length) break;
        const end = at + 4 + buf.readUInt16BE(at + 2);
        if (end > buf.length) break;
        pieces.push({ channel: buf[at + 1]!, frame: buf.subarray(at, end) });
        at = end;
        continue;
      }
      const headEnd = buf.indexOf('\r\n\r\n', at);
      if (headEnd < 0) {
        if (buf.length - at > 64 * 1024) throw new Error('RTSP header over 64 KB');
        break;
      }
      const [line = '', ...lines] = buf.toString('utf8', at, headEnd).split('\r\n');
      const headers = new Map<string, string>();
      for (const l of lines) {
        const colon = l.indexOf(':');
        if (colon > 0) headers.set(l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim());
      }
      const length = Number(headers.get('content-length') ?? 0);
      const bodyEnd = headEnd + 4 + length;
      if (bodyEnd > buf.length) break;
      const [method = '', url = ''] = line.split(' ');
      // A response (a client answering our nothing) or a stray line: skipped, as RTSP servers do.
      if (!line.startsWith('RTSP/'))
        pieces.push({ request: { method, url, headers, body: buf.subarray(headEnd + 4, bodyEnd) } });
      at = bodyEnd;
    }
    this.pending = Buffer.from(buf.subarray(at));
    return pieces;
  }
}

/** Consecutive views of one buffer joined into one view, so a player gets one write per run instead of per packet. */
function contiguousRuns(frames: Buffer[]): Buffer[] {
  const runs: Buffer[] = [];
  for (const f of frames) {
    const last = runs.at(-1);
    if (last && last.buffer === f.buffer && last.byteOffset + last.length === f.byteOffset)
      runs[runs.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + f.length);
    else runs.push(f);
  }
  return runs;
}

function pathOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname).replace(/^\/+|\/+$/g, '');
  } catch {
    return url.replace(/^\/+|\/+$/g, '');
  }
}

function sessionId(req: RtspRequest): string | undefined {
  return req.headers.get('session')?.split(';')[0]?.trim();
}

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
};

function response(req: RtspRequest, status: number, headers: Record<string, string | undefined>, body = ''): string {
  const { reason, ...rest } = headers;
  const lines = [`RTSP/1.0 ${status} ${reason ?? REASONS[status] ?? ''}`, `CSeq: ${req.headers.get('cseq') ?? 0}`];
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) lines.push(`${k}: ${v}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
