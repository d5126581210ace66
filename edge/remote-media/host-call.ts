import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { DomainError } from '../domain-error.ts';
import { BrowserLeg } from '../intercom/browser-leg.ts';
import type { EvaluationSession } from '../sessions/model.ts';
import { type ConnectHub, type GuestLiveTarget, mayReachGuestRoom } from './host-viewing.ts';
import { relayUnit } from './relay-protocol.ts';

/** A host console's call to a guest room's station, as the host edge follows it. */
export interface GuestCall {
  id: string;
  session: string;
  guest: string;
  /** The console user who placed it: only they join its audio or hang it up. */
  by: string;
  /** `connecting` to the guest venue, then its intercom's states: `ringing`, `talking`, `ended`. */
  state: 'connecting' | 'ringing' | 'talking' | 'ended';
  /** The call's id in the guest venue's record, where it is recorded. */
  guestCallId: string | null;
  /** Why it ended (the guest venue's or the hub's reason). */
  reason: string | null;
  startedAt: number;
}

/**
 * The host venue's side of a call to a guest room's intercom (远程异地评标): one socket to the hub per call; its text
 * messages are the guest intercom's call states, its binary messages G.711 payloads each way. The console page
 * joins with WebRTC as for a local call (BrowserLeg); the edge relays the payloads as they are, no transcoding.
 */
export class HostGuestCalls {
  private readonly calls = new Map<string, { call: GuestCall; hub: WebSocket; leg: BrowserLeg | null }>();

  constructor(
    private readonly deps: {
      sessions: { get(id: string): EvaluationSession | null };
      connectHub: ConnectHub | null;
      /** The edge's media address console pages reach over WebRTC (the intercom's). */
      mediaHost: () => string;
    },
  ) {}

  place(username: string, target: Omit<GuestLiveTarget, 'camera'>): GuestCall {
    mayReachGuestRoom(this.deps, { ...target, camera: null }, username);
    // Ended calls are kept until the next is placed, so a page still sees how its last one ended.
    for (const [id, { call }] of this.calls) if (call.state === 'ended') this.calls.delete(id);
    const busy = [...this.calls.values()].find((c) => c.call.by === username);
    if (busy) throw new DomainError('conflict', `console: ${username} is in call ${busy.call.id}: hang up first`);
    const call: GuestCall = {
      id: randomUUID(),
      ...target,
      by: username,
      state: 'connecting',
      guestCallId: null,
      reason: null,
      startedAt: Date.now(),
    };
    const hub = this.deps.connectHub!('remote-call', { ...target, camera: null });
    const entry = { call, hub, leg: null as BrowserLeg | null };
    this.calls.set(call.id, entry);
    hub.on('message', (data, isBinary) => {
      if (isBinary) return entry.leg?.send(data as Buffer);
      const update = JSON.parse(data.toString()) as { callId: string; state: GuestCall['state'] };
      call.guestCallId = update.callId;
      if (call.state !== 'ended') call.state = update.state;
    });
    const ended = (reason: string) => {
      if (call.state === 'ended' && call.reason) return;
      call.state = 'ended';
      call.reason = reason;
      entry.leg?.close();
    };
    hub.on('unexpected-response', (_req, res) => {
      ended(`city hub refused: HTTP ${res.statusCode}`);
      hub.terminate();
    });
    hub.on('error', (err) => ended(`city hub unreachable: ${err.message}`));
    hub.on('close', (code, reason) => ended(reason.length ? reason.toString() : `relay closed (${code})`));
    return call;
  }

  get(id: string, username: string): GuestCall {
    return this.mine(id, username).call;
  }

  /** The placing console's page joins the call's audio: its WebRTC offer (PCMU) in, the edge's answer out. */
  async joinAudio(id: string, username: string, offer: string): Promise<string> {
    const entry = this.mine(id, username);
    if (entry.call.state !== 'talking')
      throw new DomainError('conflict', `call ${id} is ${entry.call.state}: no audio`);
    const leg = new BrowserLeg(this.deps.mediaHost());
    let answer: string;
    try {
      answer = await leg.answer(offer);
    } catch (err) {
      leg.close();
      throw new DomainError('invalid', `sdp: ${(err as Error).message}`);
    }
    entry.leg?.close();
    entry.leg = leg;
    leg.on('audio', (payload) => relayUnit(entry.hub, payload, false));
    return answer;
  }

  hangup(id: string, username: string): GuestCall {
    const entry = this.mine(id, username);
    entry.hub.close(1000, 'hung up at the host');
    entry.leg?.close();
    if (entry.call.state !== 'ended') Object.assign(entry.call, { state: 'ended', reason: 'hung up at the host' });
    return entry.call;
  }

  private mine(id: string, username: string) {
    const entry = this.calls.get(id);
    if (!entry || entry.call.by !== username) throw new DomainError('not-found', `call: no call ${id} of ${username}`);
    return entry;
  }

  stop(): void {
    for (const { hub, leg } of this.calls.values()) {
      hub.close(1001, 'host edge stopping');
      leg?.close();
    }
    this.calls.clear();
  }
}
