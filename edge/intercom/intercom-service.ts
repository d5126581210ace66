import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join, relative } from 'node:path';
import type { DeviceEventName } from '../bus/device-gateway.ts';
import type { VenueContext } from '../context.ts';
import { DomainError } from '../domain-error.ts';
import type { EventData } from '../event-catalogue.ts';
import type { DeviceRecord } from '../registry/device-registry.ts';
import type { SessionService } from '../sessions/session-service.ts';
import type { EventInput } from '../store/event-log.ts';
import type { Recording } from './call-recorder.ts';
import type { IntercomEventType } from './events.ts';
import { type ConsoleLeg, MediaBridge } from './media-bridge.ts';

export type CallState = 'ringing' | 'talking' | 'ended';

export interface Call {
  id: string;
  room: string;
  station: string;
  /** The session bound to the room when the call started; the call's events and audio belong to it. */
  session: string | null;
  direction: 'from-room' | 'to-room';
  state: CallState;
  /** Where it rings (ringing) or who answered (talking, ended). */
  console: string;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  escalations: number;
  recording: Recording | null;
}

export interface IntercomOptions {
  /** Witness consoles in escalation order: a call rings at the first and moves on after `ringTimeoutMs`. */
  consoles: string[];
  ringTimeoutMs: number;
  /** The edge's address stations send RTP to and console pages reach over WebRTC (ICE host candidate). */
  mediaHost: string;
  /** Seconds without RTP from the station after which the call ends (stations send RTP continuously). */
  mediaSilenceS: number;
}

const DEFAULTS: IntercomOptions = {
  consoles: ['console-1', 'console-2'],
  ringTimeoutMs: 30_000,
  mediaHost: '127.0.0.1',
  mediaSilenceS: 3,
};

/** The venue file's `intercom:` settings (each optional) over the defaults. */
function venueOptions(ctx: VenueContext): Partial<IntercomOptions> {
  const settings = ctx.venue.intercom;
  if (!settings) return {};
  return {
    ...(settings.consoles ? { consoles: settings.consoles } : {}),
    ...(settings.ringTimeoutS ? { ringTimeoutMs: settings.ringTimeoutS * 1000 } : {}),
    ...(settings.mediaSilenceS ? { mediaSilenceS: settings.mediaSilenceS } : {}),
    ...(settings.mediaHost ? { mediaHost: settings.mediaHost } : {}),
  };
}

/**
 * Expert intercom (专家对讲). Station calls queue in arrival order and ring at the first console; one not
 * answered within the ring timeout escalates to the next console. A console answers the oldest waiting call.
 * Signalling is MQTT; on answer the edge anchors the media: the station sends RTP to an edge port and the
 * edge records it, bound to the room's session. Every step is an `intercom.*` event on that session.
 */
export class IntercomService extends EventEmitter<{ changed: [Call] }> {
  private readonly calls = new Map<string, Call>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly bridges = new Map<string, MediaBridge>();
  private readonly stationRoom: Map<string, string>;
  private options: IntercomOptions;

  constructor(
    private readonly ctx: VenueContext,
    private readonly sessions: SessionService,
    options: Partial<IntercomOptions> = {},
  ) {
    super();
    this.options = { ...DEFAULTS, ...venueOptions(ctx), ...options };
    this.stationRoom = new Map(
      ctx.venue.devices.filter((d) => d.kind === 'intercom' && d.room).map((d) => [d.id, d.room as string]),
    );
  }

  configure(options: Partial<IntercomOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** The edge's media address (station RTP, console WebRTC). */
  get mediaHost(): string {
    return this.options.mediaHost;
  }

  settings(): Pick<IntercomOptions, 'consoles' | 'ringTimeoutMs' | 'mediaSilenceS'> {
    const { consoles, ringTimeoutMs, mediaSilenceS } = this.options;
    return { consoles, ringTimeoutMs, mediaSilenceS };
  }

  start(): void {
    const on = (
      name: DeviceEventName<'intercom'>,
      fn: (device: DeviceRecord, callId: string, payload: Record<string, unknown>) => void | Promise<void>,
    ) =>
      this.ctx.gateway.onEvent('intercom', name, (device, payload) => {
        Promise.resolve(fn(device, payload.callId as string, payload)).catch((err) =>
          this.ctx.logger.error({ err, station: device.id }, `intercom ${name} failed`),
        );
      });
    on('call', (device, callId) => this.stationCalls(device.id, callId));
    on('answer', (device, callId) => this.stationAnswers(device.id, callId));
    on('media', (device, callId, payload) => this.stationMedia(device.id, callId, String(payload.sdp)));
    on('hangup', async (device, callId) => {
      await this.hangup(callId, device.id);
    });
  }

  async stop(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const call of this.calls.values()) if (call.state !== 'ended') await this.end(call, 'system', 'edge stopped');
  }

  list(filter: { state?: CallState; session?: string } = {}): Call[] {
    return [...this.calls.values()].filter(
      (c) => (!filter.state || c.state === filter.state) && (!filter.session || c.session === filter.session),
    );
  }

  /** Calls waiting for a console, oldest first. */
  queue(): Call[] {
    return this.list({ state: 'ringing' })
      .filter((c) => c.direction === 'from-room')
      .sort((a, b) => a.startedAt - b.startedAt);
  }

  get(callId: string): Call {
    const call = this.calls.get(callId);
    if (!call) throw new DomainError('not-found', `callId: no call "${callId}"`);
    return call;
  }

  private stationCalls(station: string, callId: string): void {
    const room = this.stationRoom.get(station);
    if (!room) throw new DomainError('invalid', `station ${station} belongs to no room`);
    if (this.calls.has(callId)) return; // a repeated event (QoS 1 redelivery)
    const call = this.open({ id: callId, room, station, direction: 'from-room', console: this.options.consoles[0]! });
    this.armEscalation(call);
  }

  private open(input: Pick<Call, 'id' | 'room' | 'station' | 'direction' | 'console'>): Call {
    const now = Date.now();
    const call: Call = {
      ...input,
      session: this.sessions.sessionForRoom(input.room, now)?.id ?? null,
      state: 'ringing',
      startedAt: now,
      answeredAt: null,
      endedAt: null,
      escalations: 0,
      recording: null,
    };
    this.calls.set(call.id, call);
    this.record(call, 'intercom.call-started', call.station, {
      room: call.room,
      station: call.station,
      direction: call.direction,
      console: call.console,
    });
    return call;
  }

  private armEscalation(call: Call): void {
    const timer = setTimeout(() => this.escalate(call), this.options.ringTimeoutMs);
    timer.unref();
    this.timers.set(call.id, timer);
  }

  /** Unanswered in time: ring at the next console; past the last one, keep ringing there and raise an alarm. */
  private escalate(call: Call): void {
    this.timers.delete(call.id);
    if (call.state !== 'ringing') return;
    const consoles = this.options.consoles;
    const next = consoles[consoles.indexOf(call.console) + 1];
    if (!next) {
      this.ctx.alarms.raise({
        kind: 'intercom-unanswered',
        level: 2,
        subject: call.room,
        session: call.session ?? undefined,
        details: { callId: call.id, console: call.console },
      });
      return;
    }
    const from = call.console;
    call.console = next;
    call.escalations++;
    this.record(call, 'intercom.call-escalated', 'system', { from, to: next, afterMs: this.options.ringTimeoutMs });
    this.armEscalation(call);
  }

  /** A console answers: the given call, or the oldest one waiting. */
  async answer(consoleId: string, callId?: string): Promise<Call> {
    this.mustBeFree(consoleId);
    const call = callId ? this.get(callId) : this.queue()[0];
    if (!call) throw new DomainError('conflict', 'no call is waiting');
    if (call.state !== 'ringing' || call.direction !== 'from-room')
      throw new DomainError('conflict', `call ${call.id} is ${call.state}: it cannot be answered`);
    call.console = consoleId;
    await this.connect(call, consoleId);
    return call;
  }

  /** The console calls a room's station; the call connects when the station answers. */
  async callRoom(consoleId: string, room: string): Promise<Call> {
    this.mustBeFree(consoleId);
    const station = [...this.stationRoom].find(([, r]) => r === room)?.[0];
    if (!station) throw new DomainError('not-found', `room: no intercom station in "${room}"`);
    if (this.list().some((c) => c.station === station && c.state !== 'ended'))
      throw new DomainError('conflict', `room ${room} is already in a call`);
    const call = this.open({ id: randomUUID(), room, station, direction: 'to-room', console: consoleId });
    const ack = await this.ctx.gateway.command(station, 'ring', { callId: call.id });
    if (!ack.ok) {
      await this.end(call, 'system', `station did not ring: ${ack.error ?? 'no ack'}`);
      throw new DomainError('conflict', `station ${station} did not ring: ${ack.error ?? 'no ack'}`);
    }
    return call;
  }

  private async stationAnswers(station: string, callId: string): Promise<void> {
    const call = this.calls.get(callId);
    if (!call || call.station !== station || call.state !== 'ringing' || call.direction !== 'to-room') return;
    await this.connect(call, station);
  }

  /**
   * Anchors the media at the edge (station RTP port, recording), then sends the station the SDP offer; the
   * station answers with its own SDP (`media` event), as a SIP station would in its 200 OK.
   */
  private async connect(call: Call, actor: string): Promise<void> {
    clearTimeout(this.timers.get(call.id));
    this.timers.delete(call.id);
    call.state = 'talking';
    call.answeredAt = Date.now();
    this.ctx.alarms.clear('intercom-unanswered', call.room, `call ${call.id} answered`);
    const bridge = await MediaBridge.open({
      host: this.options.mediaHost,
      file: this.recordingFile(call),
      silenceS: this.options.mediaSilenceS,
    });
    if (call.state !== 'talking') {
      await bridge.close(); // hung up while the media port opened
      return;
    }
    this.bridges.set(call.id, bridge);
    bridge.once('silent', () => {
      this.hangup(call.id, 'system', 'no audio from the station').catch((err) =>
        this.ctx.logger.error({ err, call: call.id }, 'ending a silent call failed'),
      );
    });
    this.record(call, 'intercom.call-answered', actor, {
      console: call.console,
      waitedMs: call.answeredAt - call.startedAt,
    });
    const ack = await this.ctx.gateway.command(call.station, 'connected', {
      callId: call.id,
      media: bridge.stationOffer,
    });
    if (!ack.ok) this.ctx.logger.warn({ call: call.id, error: ack.error }, 'station did not take the media offer');
  }

  private stationMedia(station: string, callId: string, sdp: string): void {
    const call = this.calls.get(callId);
    const bridge = this.bridges.get(callId);
    if (!call || call.station !== station || !bridge) return;
    bridge.station.answer(sdp);
  }

  /**
   * The answering console's page joins the call's audio: its WebRTC offer (PCMU, ICE candidates included)
   * in, the edge's answer out. Another console, or a call not in progress, is refused.
   */
  async joinAudio(callId: string, consoleId: string, offer: string): Promise<string> {
    const bridge = this.answeredBridge(callId, consoleId);
    try {
      return await bridge.joinBrowser(offer);
    } catch (err) {
      throw new DomainError('invalid', `sdp: ${(err as Error).message}`);
    }
  }

  /** A console at another venue joins the call's audio through the city hub (edge/remote-media), as a page would. */
  joinLeg(callId: string, consoleId: string, leg: ConsoleLeg): void {
    this.answeredBridge(callId, consoleId).join(leg);
  }

  /** The media of a call in progress, for the console that answered it (another, or no call, is refused). */
  private answeredBridge(callId: string, consoleId: string): MediaBridge {
    const call = this.get(callId);
    const bridge = this.bridges.get(callId);
    if (call.state !== 'talking' || !bridge)
      throw new DomainError('conflict', `call ${callId} is ${call.state}: no audio`);
    if (call.console !== consoleId)
      throw new DomainError('conflict', `console: call ${callId} is answered by ${call.console}, not ${consoleId}`);
    return bridge;
  }

  /** RTP packets the edge has received from each side of a call in progress. */
  audioPackets(callId: string): Readonly<Record<'station' | 'console', number>> | null {
    return this.bridges.get(callId)?.packets ?? null;
  }

  private recordingFile(call: Call): string {
    return join(this.ctx.dataDir, 'recordings', 'intercom', call.session ?? '_no-session', `${call.id}.ogg`);
  }

  /** Hangs up from a console, the station or the edge itself (by = who). */
  async hangup(callId: string, by: string, reason?: string): Promise<Call> {
    const call = this.get(callId);
    if (call.state === 'ended') return call;
    await this.end(call, by, reason ?? (call.state === 'ringing' ? 'cancelled' : 'hung up'));
    if (by !== call.station) {
      const ack = await this.ctx.gateway
        .command(call.station, 'hangup', { callId }, { timeoutMs: 2000 })
        .catch((err: Error) => ({ ok: false, error: err.message }));
      if (!ack.ok) this.ctx.logger.debug({ call: callId, error: ack.error }, 'station did not ack hangup');
    }
    return call;
  }

  private async end(call: Call, by: string, reason: string): Promise<void> {
    if (call.state === 'ended') return;
    clearTimeout(this.timers.get(call.id));
    this.timers.delete(call.id);
    const answered = call.state === 'talking';
    call.state = 'ended';
    call.endedAt = Date.now();
    this.record(call, 'intercom.call-ended', by, {
      reason,
      answered,
      durationS: answered ? Math.round((call.endedAt - call.answeredAt!) / 1000) : 0,
    });
    const bridge = this.bridges.get(call.id);
    this.bridges.delete(call.id);
    const recording = await bridge?.close();
    if (recording) {
      call.recording = { ...recording, file: relative(this.ctx.dataDir, recording.file) };
      // Two channels: left the station, right the console.
      this.record(call, 'intercom.recording', 'system', {
        ...call.recording,
        codec: 'opus',
        channels: ['station', 'console'],
      });
    }
  }

  private mustBeFree(consoleId: string): void {
    if (!consoleId.trim()) throw new DomainError('invalid', 'console: a console id is required');
    const busy = this.list({ state: 'talking' }).find((c) => c.console === consoleId);
    if (busy) throw new DomainError('conflict', `console ${consoleId} is in call ${busy.id}: hang up first`);
  }

  private record<K extends IntercomEventType>(
    call: Call,
    type: K,
    actor: string,
    data: Omit<EventData<K>, 'callId'>,
  ): void {
    // Every intercom event's data starts with the call's id (edge/intercom/events.ts); TypeScript cannot follow
    // a spread through a generic K, the catalogue check at append does.
    const input = { type, session: call.session, actor, subject: call.id, data: { callId: call.id, ...data } };
    this.ctx.log.append(input as unknown as EventInput<K>);
    this.emit('changed', call);
  }
}
