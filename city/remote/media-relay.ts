import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import type { GuestLiveTarget } from '../../edge/remote-media/host-viewing.ts';
import type { MediaGrant, MediaGrantFields, SignedMediaGrant } from '../../edge/remote-media/media-grant.ts';
import { relayUnit } from '../../edge/remote-media/relay-protocol.ts';

/** How long the guest venue has to connect its stream after the hub asked for it. */
const SUPPLY_TIMEOUT_MS = 20_000;
/** Live views a venue may have open through the hub at once: a host witness watches a few rooms, not a wall. */
export const MAX_RELAYS_PER_HOST = 16;

/** What a host venue asks of a guest room: its live view or a call to its station. */
export type GuestMediaTarget = GuestLiveTarget & { kind: MediaGrant['kind'] };

/** WebSocket close codes the host edge passes on to the console with their reason. */
export const RELAY_CLOSE = { refused: 4403, unavailable: 4503 } as const;

export interface MediaRelayOptions {
  /** Whether the hub knows `session` as hosted by `host` with a guest room at `guest`. */
  isGuestRoomOf(host: string, target: { session: string; guest: string }): boolean;
  /** Signs a grant with the hub's platform key (the key the venues verify the downlink with). */
  sign(fields: MediaGrantFields): SignedMediaGrant;
  /**
   * Asks the guest venue, over its link to the hub, to supply the stream; false when its link is down. The venue
   * answers by connecting to the relay, or with a refusal (`refused`).
   */
  ask(guest: string, grant: SignedMediaGrant): boolean;
  supplyTimeoutMs?: number;
}

interface PendingRelay {
  host: string;
  guest: string;
  viewer: WebSocket;
  timer: NodeJS.Timeout;
  supplier: WebSocket | null;
}

/**
 * The city hub's pipe for guest rooms' live video and intercom calls (远程异地评标): the host edge opens a relay (its venue signature
 * checked by the route), the hub signs a grant naming host, guest, session and camera, asks the guest edge for the
 * stream, and pipes what the guest edge sends on its own signed connection to the host — whole fragments, skipped
 * when the host's link falls behind. The hub holds no video: nothing is stored, nothing decoded.
 */
export class MediaRelays {
  private readonly relays = new Map<string, PendingRelay>();

  constructor(private readonly options: MediaRelayOptions) {}

  /** Relays open now, for the hub's status. */
  count(): number {
    return this.relays.size;
  }

  /** A host edge's socket (already authenticated as `host`): mints the relay and asks the guest. */
  open(host: string, target: GuestMediaTarget, viewer: WebSocket): void {
    if (!this.options.isGuestRoomOf(host, target))
      return viewer.close(
        RELAY_CLOSE.refused,
        `session: ${target.session} is no remote session of ${host} with a guest room at ${target.guest}`.slice(0, 110),
      );
    if ([...this.relays.values()].filter((r) => r.host === host).length >= MAX_RELAYS_PER_HOST)
      return viewer.close(RELAY_CLOSE.unavailable, `${host} has ${MAX_RELAYS_PER_HOST} live views open`);
    const id = randomBytes(18).toString('base64url');
    const timeoutMs = this.options.supplyTimeoutMs ?? SUPPLY_TIMEOUT_MS;
    const relay: PendingRelay = {
      host,
      guest: target.guest,
      viewer,
      supplier: null,
      timer: setTimeout(
        () => this.end(id, RELAY_CLOSE.unavailable, `${target.guest} did not supply the stream`),
        timeoutMs,
      ),
    };
    this.relays.set(id, relay);
    viewer.on('close', () => this.end(id, 1000, 'host closed'));
    viewer.on('error', () => {});
    // A call's audio also flows host → guest (the console's voice); a live view's host sends nothing.
    viewer.on('message', (data, isBinary) => {
      if (isBinary && relay.supplier) relayUnit(relay.supplier, data as Buffer, false);
    });
    const grant = this.options.sign({ relay: id, host, ...target });
    if (!this.options.ask(target.guest, grant))
      this.end(id, RELAY_CLOSE.unavailable, `${target.guest} is not connected to the hub`);
  }

  /** The guest venue's refusal (over its link), passed on to the host with the venue's reason. */
  refused(guest: string, id: string, error: string): void {
    if (this.relays.get(id)?.guest === guest) this.end(id, RELAY_CLOSE.refused, `${guest} refused: ${error}`);
  }

  /** The guest edge's connection (authenticated as `guest`) for a relay; an unknown or not its relay is closed. */
  attach(guest: string, id: string, supplier: WebSocket): void {
    const relay = this.relays.get(id);
    if (!relay || relay.guest !== guest || relay.supplier)
      return supplier.close(RELAY_CLOSE.refused, `relay: no relay ${id} awaits ${guest}`);
    clearTimeout(relay.timer);
    relay.supplier = supplier;
    let sawInit = false;
    supplier.on('message', (data, isBinary) => {
      if (!isBinary) {
        sawInit = false;
        return relay.viewer.send(data, { binary: false });
      }
      relayUnit(relay.viewer, data as Buffer, !sawInit);
      sawInit = true;
    });
    supplier.on('close', (code, reason) =>
      this.end(id, code === 1000 ? 1000 : 1011, reason.length ? reason.toString() : 'guest stream ended'),
    );
    supplier.on('error', () => {});
  }

  private end(id: string, code: number, reason: string): void {
    const relay = this.relays.get(id);
    if (!relay) return;
    this.relays.delete(id);
    clearTimeout(relay.timer);
    // Close reasons are at most 123 bytes.
    const why = Buffer.from(reason).subarray(0, 110).toString();
    relay.viewer.close(code, why);
    relay.supplier?.close(code === 1000 ? 1000 : 1001, why);
  }

  stop(): void {
    for (const id of [...this.relays.keys()]) this.end(id, 1001, 'hub stopping');
  }
}
