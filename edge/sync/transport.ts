import type { CheckpointAnswer, CheckpointSubmission } from '../store/checkpoint-format.ts';
import type { BatchAnswer, SignedBatch } from './wire.ts';

/**
 * What happened to one batch. Network trouble is an outcome, not an exception: the outbox decides what to do.
 * `slow-down` is the platform asking for less (HTTP 429/503 with Retry-After).
 */
export type SendOutcome =
  | BatchAnswer
  | { status: 'slow-down'; retryAfterMs: number | null; error: string }
  | { status: 'unavailable'; error: string };

/** What happened to one checkpoint: the city's receipt or refusal, or no answer. */
export type CheckpointOutcome = CheckpointAnswer | { status: 'unavailable'; error: string };

/** How the venue talks to the city platform: HTTPS (default) or an MQTT broker. */
export interface UpstreamTransport {
  readonly kind: 'http' | 'mqtt';
  /** Sends one batch and waits for the platform's answer (or the request timeout). */
  send(batch: SignedBatch): Promise<SendOutcome>;
  /** Sends a signed checkpoint of the record and waits for the city's receipt or refusal. */
  sendCheckpoint(submission: CheckpointSubmission): Promise<CheckpointOutcome>;
  /** Asks for downlink messages after `after`; they arrive through the handler given to onDownlink. */
  requestDownlink(after: number): Promise<void>;
  onDownlink(handler: (envelope: unknown) => void): void;
  /** Registers the venue's public key with a one-time token, where the transport supports it. */
  enrol?(publicKeyPem: string, token: string): Promise<{ ok: true } | { ok: false; error: string }>;
  close(): Promise<void>;
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
