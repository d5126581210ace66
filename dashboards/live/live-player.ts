/**
 * Live view of one camera: fMP4 fragments over WebSocket into Media Source Extensions, no transcoding.
 * The server's first message names the mime type (with codecs); binary messages follow (init, then fragments).
 */
export interface LivePlayer {
  close(): void;
}

/** Keep at most this much behind the live edge; a tile that fell behind jumps forward. */
const MAX_LATENCY_S = 3;
const KEEP_BUFFER_S = 20;

export function playLive(video: HTMLVideoElement, wsUrl: string, onError: (m: string) => void = () => {}): LivePlayer {
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
    const next = queue.shift();
    if (next) buffer.appendBuffer(next);
  };

  ws.onmessage = (msg) => {
    if (typeof msg.data === 'string') {
      const info = JSON.parse(msg.data) as { mode: string; mime: string };
      if (info.mode !== 'mse' || !('MediaSource' in window) || !MediaSource.isTypeSupported(info.mime)) {
        onError(`浏览器无法直接播放 ${info.mime}，请使用转码模式 (mode=mpeg1) / browser cannot play ${info.mime}`);
        ws.close();
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
  return { close: () => ws.close() };
}
