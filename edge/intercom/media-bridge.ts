import { EventEmitter } from 'node:events';
import { BrowserLeg } from './browser-leg.ts';
import { CallRecorder, type Recording } from './call-recorder.ts';
import { StationLeg } from './station-leg.ts';

/** The console's side of a call: G.711 µ-law payloads each way, as they are. */
export interface ConsoleLeg {
  on(event: 'audio', listener: (payload: Buffer) => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  send(payload: Buffer): void;
  close(): void;
}

/**
 * The edge as media anchor for one call. The station's RTP leg and the console page's WebRTC leg both end
 * here; G.711 payloads are relayed between them as they are (each leg with its own RTP stream) and both
 * sides are recorded. The station leg and recording live from answer to hang-up; the browser leg may join,
 * drop and rejoin (a page reload) without touching them.
 */
export class MediaBridge extends EventEmitter<{ silent: [] }> {
  private browser: ConsoleLeg | null = null;
  private readonly watchdog: NodeJS.Timeout;
  private readonly openedAt = Date.now();

  private constructor(
    private readonly host: string,
    readonly station: StationLeg,
    private readonly recorder: CallRecorder,
    silenceS: number,
  ) {
    super();
    station.on('audio', (payload) => {
      recorder.push('station', payload);
      this.browser?.send(payload);
    });
    // Stations send RTP continuously while a call is up: silence this long means the station is gone.
    this.watchdog = setInterval(() => {
      if (Date.now() - Math.max(station.lastAudioAt, this.openedAt) > silenceS * 1000) this.emit('silent');
    }, 250);
    this.watchdog.unref();
  }

  static async open(options: { host: string; file: string; silenceS: number }): Promise<MediaBridge> {
    const station = await StationLeg.open(options.host);
    return new MediaBridge(options.host, station, new CallRecorder(options.file), options.silenceS);
  }

  /** The SDP offer for the station: the edge's RTP/PCMU port. */
  get stationOffer(): string {
    return this.station.offer;
  }

  /** Packets received so far from each side. */
  get packets(): Readonly<Record<'station' | 'console', number>> {
    return this.recorder.packets;
  }

  /** The console page joins (or rejoins) the call: answers its WebRTC offer. */
  async joinBrowser(offer: string): Promise<string> {
    const leg = new BrowserLeg(this.host);
    let answer: string;
    try {
      answer = await leg.answer(offer);
    } catch (err) {
      leg.close();
      throw err;
    }
    this.join(leg);
    return answer;
  }

  /** The console's side joins (or rejoins): a browser here, or a console at another venue through the hub. */
  join(leg: ConsoleLeg): void {
    this.browser?.close();
    this.browser = leg;
    leg.on('audio', (payload) => {
      this.recorder.push('console', payload);
      this.station.send(payload);
    });
    leg.on('closed', () => {
      if (this.browser === leg) this.browser = null;
    });
  }

  async close(): Promise<Recording | null> {
    clearInterval(this.watchdog);
    this.removeAllListeners();
    this.browser?.close();
    this.station.close();
    return this.recorder.stop();
  }
}
