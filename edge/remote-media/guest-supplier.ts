import type { KeyObject } from 'node:crypto';
import type WebSocket from 'ws';
import type { EvaluationSession } from '../sessions/model.ts';
import { LIVE_STATES } from '../sessions/model.ts';
import type { EventLog } from '../store/event-log.ts';
import type { LiveHub, LiveViewer } from '../video/live-hub.ts';
import { FragmentFramer } from './fragment-framer.ts';
import { checkLiveGrant, type LiveGrant } from './live-grant.ts';
import { type RelayStart, relayUnit } from './relay-protocol.ts';

/** How long the hub's relay may take to accept the guest edge's connection. */
const CONNECT_TIMEOUT_MS = 10_000;

export type SupplyResult = { ok: true; camera: string } | { ok: false; error: string };

/**
 * The guest-side rule (远程异地评标): a grant is honoured only for a session held here whose host is the venue the
 * grant names, still live, and a camera of that session's room. Pure, so it is tested as a table.
 */
export function guestCamera(
  grant: Pick<LiveGrant, 'host' | 'session' | 'camera'>,
  session: Pick<EvaluationSession, 'room' | 'state' | 'remote'> | null,
  roomCameras: readonly string[],
): SupplyResult {
  if (!session) return { ok: false, error: `session: no session ${grant.session} here` };
  const host = session.remote && 'hostVenue' in session.remote ? session.remote.hostVenue : null;
  if (host !== grant.host)
    return {
      ok: false,
      error: `session: ${grant.session} is ${host ? `hosted by ${host}` : 'not hosted elsewhere'}, not by ${grant.host}`,
    };
  if (!LIVE_STATES.includes(session.state))
    return { ok: false, error: `session: ${grant.session} is ${session.state}` };
  const camera = grant.camera ?? roomCameras[0];
  if (!camera) return { ok: false, error: `camera: room ${session.room} has no camera` };
  if (!roomCameras.includes(camera)) return { ok: false, error: `camera: ${camera} is not in room ${session.room}` };
  return { ok: true, camera };
}

export interface GuestSupplierDeps {
  venue: string;
  /** The city hub's public key (the platform key sync verifies the downlink with); null: none installed. */
  platformKey: KeyObject | null;
  log: EventLog;
  sessions: { get(id: string): EvaluationSession | null };
  video: { live: LiveHub; camerasIn(zone: string): string[] };
  /**
   * Opens the guest edge's own connection to the hub's relay, signed with the venue key, at the hub address this
   * edge is configured with — never an address taken from a message.
   */
  connectRelay(relay: string): WebSocket;
}

/**
 * The guest venue's side of a relayed live view: the hub asks (over the edge↔hub link) with a grant it signed; the
 * edge checks it, opens an outbound WebSocket to the hub's relay and feeds it the camera's substream from the live
 * hub (the same ffmpeg local viewers share), one whole fragment per message. Every grant honoured or refused is
 * recorded.
 */
export class GuestLiveSupplier {
  /** Relays already opened: a grant is taken once, even while it is still current. */
  private readonly used = new Map<string, number>();
  private readonly open = new Set<WebSocket>();

  constructor(private readonly deps: GuestSupplierDeps) {}

  async supply(raw: unknown, now = Date.now()): Promise<SupplyResult> {
    const checked = checkLiveGrant(raw, this.deps.platformKey, this.deps.venue, now);
    if (!checked.ok) return this.refuse(null, checked.error);
    const grant = checked.grant;
    for (const [relay, expiresAt] of this.used) if (expiresAt < now) this.used.delete(relay);
    if (this.used.has(grant.relay)) return this.refuse(grant, `live grant /grant/relay: ${grant.relay} already used`);
    const session = this.deps.sessions.get(grant.session);
    const decision = guestCamera(grant, session, session ? this.deps.video.camerasIn(session.room) : []);
    if (!decision.ok) return this.refuse(grant, decision.error);
    this.used.set(grant.relay, grant.expiresAt);
    try {
      await this.stream(grant, decision.camera);
    } catch (err) {
      return this.refuse(grant, `relay: ${(err as Error).message}`);
    }
    return decision;
  }

  /** Connects to the relay, then feeds it until either side closes. */
  private async stream(grant: LiveGrant, camera: string): Promise<void> {
    const socket = this.deps.connectRelay(grant.relay);
    await opened(socket);
    this.open.add(socket);
    const framer = new FragmentFramer();
    const counts = { fragments: 0, skipped: 0 };
    let ended = false;
    let detach = () => {};
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      detach();
      this.open.delete(socket);
      this.deps.log.append({
        type: 'video.remote-live-ended',
        actor: 'system',
        session: grant.session,
        subject: camera,
        data: { relay: grant.relay, camera, reason, ...counts },
      });
    };
    const viewer: LiveViewer = {
      start: (info) => socket.send(JSON.stringify({ ...info, camera } satisfies RelayStart)),
      send: (chunk) => {
        let units: ReturnType<FragmentFramer['push']>;
        try {
          units = framer.push(chunk);
        } catch (err) {
          socket.close(1011, 'unreadable stream');
          return end(`unreadable stream: ${(err as Error).message}`);
        }
        for (const unit of units) {
          if (unit.kind === 'init') relayUnit(socket, unit.bytes, true);
          else if (relayUnit(socket, unit.bytes, false)) counts.fragments++;
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
      socket.close(1011, 'no stream');
      this.open.delete(socket);
      throw err;
    }
    socket.on('close', (code, reason) => end(`relay closed (${code}${reason.length ? ` ${reason}` : ''})`));
    socket.on('error', () => {}); // the close that follows ends the stream
    this.deps.log.append({
      type: 'video.remote-live-supplied',
      actor: 'platform',
      method: 'platform-signature',
      session: grant.session,
      subject: camera,
      data: { relay: grant.relay, host: grant.host, session: grant.session, camera, stream: grant.stream },
    });
  }

  private refuse(grant: LiveGrant | null, reason: string): SupplyResult {
    this.deps.log.append({
      type: 'video.remote-live-refused',
      actor: 'system',
      data: {
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
