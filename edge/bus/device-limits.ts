import { CONTRACTS } from '../../devices/contracts.ts';
import { Ack, Heartbeat, Status } from '../../devices/envelope.ts';
import { maxJsonBytes } from '../../devices/payload-size.ts';
import { EDGE_USERNAME } from '../../devices/provisioning.ts';
import { parseDeviceTopic } from '../../devices/topics.ts';
import type { BusIdentity } from './acl.ts';

/** What one device may send: a message rate and a burst (its packet size follows from its contract). */
export interface KindRate {
  /** Sustained messages per second, and how many may come at once above it. */
  messagesPerSecond: number;
  burst: number;
}

export interface KindLimits extends KindRate {
  /** Largest MQTT packet (fixed header included), checked as soon as the header announces its length. */
  packetBytes: number;
}

export interface BusLimits {
  /** Largest packet before the client has authenticated (a CONNECT with a will fits easily). */
  unauthenticatedPacketBytes: number;
  /** Largest retained payload: a status or a state, never an image or a batch. */
  retainedBytes: number;
  /** Live connections per listener (TCP, WebSocket, TLS each), authenticated or not. */
  maxConnections: number;
  rates: Record<string, KindRate> & { default: KindRate };
}

/**
 * The positioning engine is one device for the whole venue (bench/bus.ts pushes it past 20,000 messages/s), a
 * face terminal sends a few large messages per check-in, everything else small messages a few times a second.
 */
export const DEFAULT_BUS_LIMITS: BusLimits = {
  unauthenticatedPacketBytes: 16 * 1024,
  retainedBytes: 16 * 1024,
  maxConnections: 512,
  rates: {
    default: { messagesPerSecond: 200, burst: 400 },
    'face-terminal': { messagesPerSecond: 10, burst: 20 },
    rtls: { messagesPerSecond: 100_000, burst: 100_000 },
  },
};

/** Topic (hall/{venue}/{kind}/{id}/event/{name}: five ids of at most 64), packet id and fixed header, rounded up. */
const PACKET_OVERHEAD = 1024;

/**
 * The largest packet a device of this kind may send: its largest valid message as compact JSON (devices/
 * payload-size.ts) — status, heartbeat, ack, state or an event — plus the packet's own bytes. It follows the
 * contract: a field bounded larger there is let through here.
 */
export function packetBytesOf(kind: string): number {
  const contract = CONTRACTS[kind as keyof typeof CONTRACTS];
  const schemas = [
    Status,
    Heartbeat,
    Ack,
    ...(contract?.state ? [contract.state] : []),
    ...Object.values(contract?.events ?? {}),
  ];
  return PACKET_OVERHEAD + Math.max(...schemas.map(maxJsonBytes));
}

/** The defaults with a venue file's per-kind rates over them (`bus.deviceLimits`). */
export function venueBusLimits(
  overrides: Record<string, { messagesPerSecond?: number; burst?: number }> = {},
): BusLimits {
  const rates: BusLimits['rates'] = { ...DEFAULT_BUS_LIMITS.rates };
  for (const [kind, rate] of Object.entries(overrides))
    rates[kind] = { ...(DEFAULT_BUS_LIMITS.rates[kind] ?? DEFAULT_BUS_LIMITS.rates.default), ...rate };
  return { ...DEFAULT_BUS_LIMITS, rates };
}

/** The MQTT client id a bus identity must connect with: its own id, so it cannot take over another's session. */
export function clientIdOf(who: BusIdentity): string {
  return who.role === 'edge' ? `${EDGE_USERNAME}-${who.venue}` : who.deviceId;
}

/** The largest packet any device may send (a WebSocket frame carries one packet at most). */
export const largestPacket = () => Math.max(...Object.keys(CONTRACTS).map(packetBytesOf));

export function limitsOf(limits: BusLimits, who: BusIdentity): KindLimits {
  if (who.role === 'edge')
    return { packetBytes: Number.MAX_SAFE_INTEGER, messagesPerSecond: Infinity, burst: Infinity };
  return { ...(limits.rates[who.kind] ?? limits.rates.default), packetBytes: packetBytesOf(who.kind) };
}

/**
 * A token bucket per device: `messagesPerSecond` refill, `burst` capacity. Time is passed in. A message over the
 * rate is not refused at once: it takes the token it will have and waits for it. The broker holds its PUBACK
 * meanwhile and reads nothing more from that connection, so a device sending too fast is slowed to its rate
 * rather than cut off — a cut-off device would also lose the answers sent to it while it reconnects (its
 * subscription is clean). Only a device a whole burst ahead of its tokens is refused.
 */
export class MessageRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** How long the message must wait for its token, ms (0: it has one now); null when a whole burst ahead. */
  reserve(deviceId: string, limits: KindLimits, now: number): number | null {
    const bucket = this.buckets.get(deviceId) ?? { tokens: limits.burst, at: now };
    bucket.tokens = Math.min(limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * limits.messagesPerSecond);
    bucket.at = now;
    this.buckets.set(deviceId, bucket);
    if (bucket.tokens - 1 < -limits.burst) return null;
    bucket.tokens -= 1;
    return bucket.tokens >= 0 ? 0 : (-bucket.tokens / limits.messagesPerSecond) * 1000;
  }
}

export interface PublishFacts {
  topic: string;
  retain: boolean;
  payloadBytes: number;
}

/**
 * Null when the broker may take the message of a device whose topic the ACL allowed (acl.ts), otherwise why not: a
 * retained message on a topic the contract does not retain (only status and state) or larger than `retainedBytes`.
 */
export function retainDenial(limits: BusLimits, who: BusIdentity, packet: PublishFacts): string | null {
  if (who.role === 'edge' || !packet.retain) return null;
  const topic = parseDeviceTopic(packet.topic);
  if ('error' in topic) return topic.error;
  if (topic.channel !== 'status' && topic.channel !== 'state')
    return `only status and state are retained, not ${topic.channel}`;
  if (packet.payloadBytes > limits.retainedBytes)
    return `retained payload of ${packet.payloadBytes} bytes is over ${limits.retainedBytes}`;
  return null;
}

/**
 * How long a device's message waits for its turn under the device's message rate, ms (the edge's own never waits),
 * or why it is refused: a device a whole burst ahead of its rate.
 */
export function rateWait(
  limits: BusLimits,
  rate: MessageRate,
  who: BusIdentity,
  now: number,
): { waitMs: number } | { refused: string } {
  if (who.role === 'edge') return { waitMs: 0 };
  const kind = limitsOf(limits, who);
  const waitMs = rate.reserve(who.deviceId, kind, now);
  return waitMs === null
    ? { refused: `over ${kind.messagesPerSecond} messages/s by more than a burst of ${kind.burst}` }
    : { waitMs };
}
