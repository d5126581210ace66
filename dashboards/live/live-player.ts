/**
 * Live view of one camera: fMP4 fragments over WebSocket into Media Source Extensions, no transcoding.
 * The server's first message names the mime type (with codecs); binary messages follow (init, then fragments).
 * When the browser cannot play that codec (or has no MSE, or the page asks for it), the tile falls back to the
 * server's MPEG-1 transcoding, decoded by jsmpeg (@cycjimmy/jsmpeg-player) into a canvas.
 */
export interface LivePlayer {
  close(): void;
}

/** Keep at most this much behind the live edge; a tile that fell behind jumps forward. */
const MAX_LATENCY_S = 3;
const KEEP_BUFFER_S = 20;

export function playLive(
  video: HTMLVideoElement,
  wsUrl: string,
  onError: (m: string) => void = () => {},
  mode: 'auto' | 'mpeg1' = 'auto',
): LivePlayer {
  if (mode === 'mpeg1' || !('MediaSource' in window)) return playMpeg1(video, wsUrl, onError);
  let fallback: LivePlayer | null = null;
  const ws = new WebSocket(wsUrl);
  ws.binaryType = 'arraybuffer';
  const queue: ArrayBuffer[] = [];
  let buffer: SourceBuffer | null = null;

  const pump = () => {
    if (!buffer || buffer.updating) return;
    const b = video.buffered;
    if (b.length > 0) {
      const end = b.end(b.length - 1);
      if (end - video.currentTime > MAX_LATENCY_S || video.currentTime < b.start(0)) video.currentTime = end - 0.5;
      if (video.currentTime - b.start(0) > KEEP_BUFFER_S * 2) {
        buffer.remove(b.start(0), video.currentTime - KEEP_BUFFER_S);
        return;
      }
    }
    // The server forwards pipe-sized pieces (~32–64 KB); whatever queued up while the buffer was busy goes in one append.
    if (queue.length > 0) buffer.appendBuffer(joined(queue.splice(0)));
  };

  ws.onmessage = (msg) => {
    if (typeof msg.data === 'string') {
      const info = JSON.parse(msg.data) as { mode: string; mime: string };
      if (info.mode !== 'mse' || !MediaSource.isTypeSupported(info.mime)) {
        ws.close();
        fallback = playMpeg1(video, wsUrl, onError);
        return;
      }
      const source = new MediaSource();
      video.src = URL.createObjectURL(source);
      source.addEventListener('sourceopen', () => {
        buffer = source.addSourceBuffer(info.mime);
        buffer.mode = 'segments';
        buffer.addEventListener('updateend', pump);
        pump();
      });
      return;
    }
    queue.push(msg.data as ArrayBuffer);
    pump();
  };
  ws.onclose = (e) => {
    if (e.code !== 1000 && e.code !== 1005) onError(`直播中断 live view closed: ${e.reason || e.code}`);
  };
  video.muted = true;
  void video.play().catch(() => {});
  return {
    close: () => {
      ws.close();
      fallback?.close();
    },
  };
}

function joined(parts: ArrayBuffer[]): ArrayBuffer {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out.buffer;
}

/** The parts of jsmpeg this page uses (the package ships no types). */
interface JsmpegModule {
  Player: new (url: string, options: Record<string, unknown>) => { destroy(): void };
  Source: { WebSocket: new (url: string, options: object) => { onMessage(ev: MessageEvent): void } };
}

/**
 * MPEG-1 in MPEG-TS (`?mode=mpeg1`, transcoded by the server) decoded by jsmpeg into a canvas that takes the
 * video element's place (same id). jsmpeg is loaded only when a tile needs it. Each decoded frame counts up
 * `data-frames` on the canvas, so a page (or a test) can tell the picture is moving.
 */
function playMpeg1(video: HTMLVideoElement, wsUrl: string, onError: (m: string) => void): LivePlayer {
  const canvas = document.createElement('canvas');
  canvas.id = video.id;
  canvas.dataset.frames = '0';
  video.replaceWith(canvas);
  const url = new URL(wsUrl);
  url.searchParams.set('mode', 'mpeg1');
  let player: { destroy(): void } | null = null;
  let closed = false;
  import(new URL('./jsmpeg-player.js', import.meta.url).href)
    .then(({ default: JSMpeg }: { default: JsmpegModule }) => {
      if (closed) return;
      // The server's first message is a JSON text header ({mode, mime}); jsmpeg wants only the MPEG-TS bytes.
      class TsOnlySource extends JSMpeg.Source.WebSocket {
        override onMessage(ev: MessageEvent) {
          if (typeof ev.data !== 'string') super.onMessage(ev);
        }
      }
      player = new JSMpeg.Player(url.href, {
        canvas,
        source: TsOnlySource,
        audio: false,
        reconnectInterval: 0,
        onVideoDecode: () => {
          canvas.dataset.frames = String(Number(canvas.dataset.frames) + 1);
        },
      });
    })
    .catch((err: Error) => onError(`转码播放器加载失败 MPEG-1 player failed to load: ${err.message}`));
  return {
    close: () => {
      closed = true;
      player?.destroy();
    },
  };
}
