import { parseDeviceTopic } from '../../devices/topics.ts';
import type { BusIdentity } from './acl.ts';
import { EDGE_USERNAME } from './credentials.ts';

/** What one device may cost the broker: the largest packet, a message rate and a burst. */
export interface KindLimits {
  /** Largest MQTT packet (fixed header included), checked as soon as the header announces its length. */
  packetBytes: number;
  /** Sustained messages per second, and how many may come at once above it. */
  messagesPerSecond: number;
  burst: number;
}

export interface BusLimits {
  /** Largest packet before the client has authenticated (a CONNECT with a will fits easily). */
  unauthenticatedPacketBytes: number;
  /** Largest retained payload: a status or a state, never an image or a batch. */
  retainedBytes: number;
  /** Live connections per listener (TCP, WebSocket, TLS each), authenticated or not. */
  maxConnections: number;
  kinds: Record<string, KindLimits> & { default: KindLimits };
}

/**
 * Sized from the device contract (devices/*\/contract.ts): a face terminal sends up to five 2 MB frames, the
 * positioning engine batches of 2,000 positions and, being one device for the whole venue, the venue's rate
 * (bench/bus.ts pushes one engine past 20,000 messages/s); everything else sends small messages a few times a second.
 */
export const DEFAULT_BUS_LIMITS: BusLimits = {
  unauthenticatedPacketBytes: 16 * 1024,
  retainedBytes: 16 * 1024,
  maxConnections: 512,
  kinds: {
    default: { packetBytes: 64 * 1024, messagesPerSecond: 200, burst: 400 },
    'face-terminal': { packetBytes: 11 * 1024 * 1024, messagesPerSecond: 10, burst: 20 },
    rtls: { packetBytes: 1024 * 1024, messagesPerSecond: 100_000, burst: 100_000 },
  },
};

/** The MQTT client id a bus identity must connect with: its own id, so it cannot take over another's session. */
export function clientIdOf(who: BusIdentity): string {
  return who.role === 'edge' ? `${EDGE_USERNAME}-${who.venue}` : who.deviceId;
}

/** The largest packet any device may send (a WebSocket frame carries one packet at most). */
export const largestPacket = (limits: BusLimits) => Math.max(...Object.values(limits.kinds).map((k) => k.packetBytes));

export function limitsOf(limits: BusLimits, who: BusIdentity): KindLimits {
  if (who.role === 'edge')
    return { packetBytes: Number.MAX_SAFE_INTEGER, messagesPerSecond: Infinity, burst: Infinity };
  return limits.kinds[who.kind] ?? limits.kinds.default;
}

/** A token bucket per device: `messagesPerSecond` refill, `burst` capacity. Time is passed in. */
export class MessageRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes one token; false when the device is over its rate. */
  take(deviceId: string, limits: KindLimits, now: number): boolean {
    const bucket = this.buckets.get(deviceId) ?? { tokens: limits.burst, at: now };
    bucket.tokens = Math.min(limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * limits.messagesPerSecond);
    bucket.at = now;
    this.buckets.set(deviceId, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

export interface PublishFacts {
  topic: string;
  retain: boolean;
  payloadBytes: number;
}

/**
 * Null when the broker may take the message of a device whose topic the ACL allowed (acl.ts), otherwise why not:
 * a retained message on a topic the contract does not retain (only status and state) or larger than `retainedBytes`, a
 * device over its message rate.
 */
export function publishLimitDenial(
  limits: BusLimits,
  rate: MessageRate,
  who: BusIdentity,
  packet: PublishFacts,
  now: number,
): string | null {
  if (who.role === 'edge') return null;
  if (packet.retain) {
    const topic = parseDeviceTopic(packet.topic);
    if ('error' in topic) return topic.error;
    if (topic.channel !== 'status' && topic.channel !== 'state')
      return `only status and state are retained, not ${topic.channel}`;
    if (packet.payloadBytes > limits.retainedBytes)
      return `retained payload of ${packet.payloadBytes} bytes is over ${limits.retainedBytes}`;
  }
  const kind = limitsOf(limits, who);
  if (!rate.take(who.deviceId, kind, now)) return `over ${kind.messagesPerSecond} messages/s`;
  return null;
}
