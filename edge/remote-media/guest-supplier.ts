import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import type { Call } from '../intercom/intercom-service.ts';
import type { ConsoleLeg } from '../intercom/media-bridge.ts';
import type { EvaluationSession } from '../sessions/model.ts';
import { LIVE_STATES } from '../sessions/model.ts';
import type { EventLog } from '../store/event-log.ts';
import type { LiveHub, LiveViewer } from '../video/live-hub.ts';
import { FragmentFramer } from './fragment-framer.ts';
import { checkMediaGrant, type MediaGrant } from './media-grant.ts';
import { type RelayStart, relayUnit } from './relay-protocol.ts';

/** How long the hub's relay may take to accept the guest edge's connection. */
const CONNECT_TIMEOUT_MS = 10_000;

export type SupplyResult = { ok: true; device: string } | { ok: false; error: string };

/**
 * The guest-side rule (远程异地评标): a grant is honoured only for a session held here whose host is the venue the
 * grant names, and that is still live. Pure, so it is tested as a table.
 */
export function guestSessionRefusal(
  grant: Pick<MediaGrant, 'host' | 'session'>,
  session: Pick<EvaluationSession, 'state' | 'remote'> | null,
): string | null {
  if (!session) return `session: no session ${grant.session} here`;
  const host = session.remote && 'hostVenue' in session.remote ? session.remote.hostVenue : null;
  if (host !== grant.host)
    return `session: ${grant.session} is ${host ? `hosted by ${host}` : 'not hosted elsewhere'}, not by ${grant.host}`;
  if (!LIVE_STATES.includes(session.state)) return `session: ${grant.session} is ${session.state}`;
  return null;
}

/** For a live view, also: a camera of that session's room (none named: the room's first). */
export function guestCamera(
  grant: Pick<MediaGrant, 'host' | 'session' | 'camera'>,
  session: Pick<EvaluationSession, 'room' | 'state' | 'remote'> | null,
  roomCameras: readonly string[],
): SupplyResult {
  const refused = guestSessionRefusal(grant, session);
  if (refused || !session) return { ok: false, error: refused ?? '' };
  const camera = grant.camera ?? roomCameras[0];
  if (!camera) return { ok: false, error: `camera: room ${session.room} has no camera` };
  if (!roomCameras.includes(camera)) return { ok: false, error: `camera: ${camera} is not in room ${session.room}` };
  return { ok: true, device: camera };
}

/** What the supplier uses of the intercom (edge/intercom): a call to a room's station, joined from elsewhere. */
export interface GuestIntercom {
  callRoom(consoleId: string, room: string): Promise<Call>;
  joinLeg(callId: string, consoleId: string, leg: ConsoleLeg): void;
  hangup(callId: string, by: string, reason?: string): Promise<Call>;
  on(event: 'changed', listener: (call: Call) => void): unknown;
  off(event: 'changed', listener: (call: Call) => void): unknown;
}

export interface GuestSupplierDeps {
  venue: string;
  /** The city hub's public key (the platform key sync verifies the downlink with); null: none installed. */
  platformKey: KeyObject | null;
  log: EventLog;
  sessions: { get(id: string): EvaluationSession | null };
  video: { live: LiveHub; camerasIn(zone: string): string[] };
  intercom: GuestIntercom;
  /**
   * Opens the guest edge's own connection to the hub's relay, signed with the venue key, at the hub address this
   * edge is configured with — never an address taken from a message.
   */
  connectRelay(relay: string): WebSocket;
}

/** What one relay carried, for its end record. */
interface Counts {
  sent: number;
  skipped: number;
}

/**
 * The guest venue's side of a relayed live view or call: the hub asks (over the edge↔hub link) with a grant it
 * signed; the edge checks it, opens an outbound WebSocket to the hub's relay and feeds it — the camera's substream
 * from the live hub (the same ffmpeg local viewers share), one whole fragment per message; or the room station's
 * audio, one G.711 payload per message each way, the call recorded here as any call. Every grant honoured or
 * refused is recorded.
 */
export class GuestMediaSupplier {
  /** Relays already opened: a grant is taken once, even while it is still current. */
  private readonly used = new Map<string, number>();
  private readonly open = new Set<WebSocket>();

  constructor(private readonly deps: GuestSupplierDeps) {}

  async supply(raw: unknown, now = Date.now()): Promise<SupplyResult> {
    const checked = checkMediaGrant(raw, this.deps.platformKey, this.deps.venue, now);
    if (!checked.ok) return this.refuse(null, checked.error);
    const grant = checked.grant;
    for (const [relay, expiresAt] of this.used) if (expiresAt < now) this.used.delete(relay);
    if (this.used.has(grant.relay)) return this.refuse(grant, `media grant /grant/relay: ${grant.relay} already used`);
    const session = this.deps.sessions.get(grant.session);
    const decision =
      grant.kind === 'remote-live'
        ? guestCamera(grant, session, session ? this.deps.video.camerasIn(session.room) : [])
        : this.stationCall(grant, session);
    if (!decision.ok) return this.refuse(grant, decision.error);
    this.used.set(grant.relay, grant.expiresAt);
    const socket = this.deps.connectRelay(grant.relay);
    try {
      await opened(socket);
    } catch (err) {
      return this.refuse(grant, `relay: ${(err as Error).message}`);
    }
    try {
      if (grant.kind === 'remote-live') this.stream(grant, decision.device, socket);
      else await this.call(grant, session!, socket);
    } catch (err) {
      // No stream, no station, or the room already in a call: the relay closes with the reason.
      const reason = (err as Error).message;
      socket.close(1011, Buffer.from(reason).subarray(0, 110).toString());
      return this.refuse(grant, reason);
    }
    this.deps.log.append({
      type: 'remote.media-supplied',
      actor: 'platform',
      method: 'platform-signature',
      session: grant.session,
      subject: decision.device,
      data: { kind: grant.kind, relay: grant.relay, host: grant.host, session: grant.session, device: decision.device },
    });
    return decision;
  }

  private stationCall(grant: MediaGrant, session: EvaluationSession | null): SupplyResult {
    const refused = guestSessionRefusal(grant, session);
    return refused ? { ok: false, error: refused } : { ok: true, device: session!.room };
  }

  /** Tracks an open relay socket and records its end once, whichever side ends it. */
  private track(grant: MediaGrant, device: string, socket: WebSocket, onEnd: () => void) {
    this.open.add(socket);
    const counts: Counts = { sent: 0, skipped: 0 };
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      this.open.delete(socket);
      onEnd();
      this.deps.log.append({
        type: 'remote.media-ended',
        actor: 'system',
        session: grant.session,
        subject: device,
        data: { kind: grant.kind, relay: grant.relay, device, reason, ...counts },
      });
    };
    socket.on('close', (code, reason) => end(`relay closed (${code}${reason.length ? ` ${reason}` : ''})`));
    socket.on('error', () => {}); // the close that follows ends it
    return { counts, end };
  }

  /** Feeds the camera's substream to the relay until either side closes. */
  private stream(grant: MediaGrant, camera: string, socket: WebSocket): void {
    const framer = new FragmentFramer();
    let detach = () => {};
    const { counts, end } = this.track(grant, camera, socket, () => detach());
    const viewer: LiveViewer = {
      start: (info) => socket.send(JSON.stringify({ ...info, camera } satisfies RelayStart)),
      send: (chunk) => {
        let units: ReturnType<FragmentFramer['push']>;
        try {
          units = framer.push(chunk);
        } catch (err) {
          socket.close(1011, 'unreadable stream');
          end(`unreadable stream: ${(err as Error).message}`);
          return;
        }
        for (const unit of units) {
          if (unit.kind === 'init') relayUnit(socket, unit.bytes, true);
          else if (relayUnit(socket, unit.bytes, false)) counts.sent++;
          else counts.skipped++;
        }
      },
      // Every piece goes to the framer; whole fragments are skipped there when the link to the hub is slow.
      ready: () => true,
      close: (reason) => {
        socket.close(1011, reason.slice(0, 120));
        end(reason);
      },
    };
    try {
      detach = this.deps.video.live.watch(camera, 'mse', viewer, 'sub');
    } catch (err) {
      this.open.delete(socket);
      throw err;
    }
  }

  /** Rings the room's station for the host's console; once answered, its audio goes both ways over the relay. */
  private async call(grant: MediaGrant, session: EvaluationSession, socket: WebSocket): Promise<void> {
    // The host's console as this venue's intercom sees it: it answers for the call and the record.
    const consoleId = `remote:${grant.host}`;
    const call = await this.deps.intercom.callRoom(consoleId, session.room);
    const leg = new RelayLeg(socket);
    const onChange = (changed: Call) => {
      if (changed.id !== call.id) return;
      socket.send(JSON.stringify({ callId: call.id, state: changed.state }));
      if (changed.state === 'talking' && !leg.joined) {
        try {
          this.deps.intercom.joinLeg(call.id, consoleId, leg);
          leg.joined = true;
        } catch {
          // Answered, its media port still opening: the call-answered change that follows joins.
        }
      }
      if (changed.state === 'ended') socket.close(1000, 'call ended');
    };
    this.track(grant, session.room, socket, () => {
      this.deps.intercom.off('changed', onChange);
      leg.close();
      void this.deps.intercom.hangup(call.id, consoleId, 'the host console left').catch(() => {});
    });
    this.deps.intercom.on('changed', onChange);
    // A station that answers at once may have done so before this listened.
    onChange(call);
  }

  private refuse(grant: MediaGrant | null, reason: string): SupplyResult {
    this.deps.log.append({
      type: 'remote.media-refused',
      actor: 'system',
      data: {
        kind: grant?.kind ?? null,
        relay: grant?.relay ?? null,
        host: grant?.host ?? null,
        session: grant?.session ?? null,
        reason,
      },
    });
    return { ok: false, error: reason };
  }

  stop(): void {
    for (const socket of this.open) socket.close(1001, 'guest edge stopping');
    this.open.clear();
  }
}

/** The host console's voice and ears at this venue's media bridge: G.711 payloads over the hub relay. */
class RelayLeg extends EventEmitter<{ audio: [Buffer]; closed: [] }> implements ConsoleLeg {
  joined = false;

  constructor(private readonly socket: WebSocket) {
    super();
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.emit('audio', data as Buffer);
    });
    socket.on('close', () => this.emit('closed'));
  }

  send(payload: Buffer): void {
    relayUnit(this.socket, payload, false);
  }

  close(): void {
    this.removeAllListeners();
  }
}

function opened(socket: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    socket.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      socket.terminate();
      reject(new Error(`hub answered ${res.statusCode}`));
    });
  });
}
