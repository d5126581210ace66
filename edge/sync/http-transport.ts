import type { KeyObject } from 'node:crypto';
import type { CheckpointAnswer, CheckpointSubmission } from '../store/checkpoint-format.ts';
import { type CheckpointOutcome, parseRetryAfter, type SendOutcome, type UpstreamTransport } from './transport.ts';
import { type BatchAnswer, type SignedBatch, venueRequestHeaders } from './wire.ts';

export interface HttpTransportOptions {
  /** Platform base URL, e.g. https://platform.jincheng.gov.cn/halledge */
  url: string;
  venue: string;
  privateKey: KeyObject;
  requestTimeoutMs: number;
}

/**
 * The default transport: POST each batch to `{url}/v1/venues/{venue}/batches` and each checkpoint to
 * `{url}/v1/venues/{venue}/checkpoints`, pull downlink messages from
 * `{url}/v1/venues/{venue}/downlink?after=N` with a request signed by the venue key.
 */
export class HttpTransport implements UpstreamTransport {
  readonly kind = 'http';
  private readonly base: string;
  private handler: (envelope: unknown) => void = () => {};
  private readonly closing = new AbortController();

  constructor(private readonly options: HttpTransportOptions) {
    this.base = `${options.url.replace(/\/+$/, '')}/v1`;
  }

  private signal(): AbortSignal {
    return AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.options.requestTimeoutMs)]);
  }

  async send(batch: SignedBatch): Promise<SendOutcome> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.base}/venues/${encodeURIComponent(batch.venue)}/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Bytes, not a string: fetch would re-scan a multi-megabyte string for lone surrogates.
        body: Buffer.from(JSON.stringify(batch)),
        signal: this.signal(),
      });
      text = await response.text();
    } catch (err) {
      return { status: 'unavailable', error: describeFetchError(err) };
    }
    const answer = parseAnswer(text);
    if (response.status === 429 || response.status === 503) {
      return {
        status: 'slow-down',
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        error: `HTTP ${response.status}`,
      };
    }
    if (response.status >= 500) return { status: 'unavailable', error: `HTTP ${response.status}` };
    if (answer) return answer;
    return { status: 'rejected', error: `HTTP ${response.status}: ${text.slice(0, 200)}` };
  }

  async sendCheckpoint(submission: CheckpointSubmission): Promise<CheckpointOutcome> {
    const venue = encodeURIComponent(submission.checkpoint.venue);
    try {
      const response = await fetch(`${this.base}/venues/${venue}/checkpoints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(submission),
        signal: this.signal(),
      });
      const text = await response.text();
      if (response.status >= 500 || response.status === 429)
        return { status: 'unavailable', error: `HTTP ${response.status}` };
      const answer = parseJson<CheckpointAnswer>(text);
      if (answer?.status === 'receipt' || answer?.status === 'refused') return answer;
      return { status: 'refused', error: `HTTP ${response.status}: ${text.slice(0, 200)}` };
    } catch (err) {
      return { status: 'unavailable', error: describeFetchError(err) };
    }
  }

  async requestDownlink(after: number): Promise<void> {
    const url = new URL(`${this.base}/venues/${encodeURIComponent(this.options.venue)}/downlink?after=${after}`);
    const headers = venueRequestHeaders(this.options.privateKey, this.options.venue, 'GET', url.pathname + url.search);
    const response = await fetch(url, { headers, signal: this.signal() });
    if (!response.ok) throw new Error(`downlink pull: HTTP ${response.status}`);
    const body = (await response.json()) as { messages?: unknown };
    if (!Array.isArray(body.messages)) throw new Error('downlink pull: answer has no messages array');
    for (const message of body.messages) this.handler(message);
  }

  onDownlink(handler: (envelope: unknown) => void): void {
    this.handler = handler;
  }

  async enrol(publicKeyPem: string, token: string): Promise<{ ok: true } | { ok: false; error: string }> {
    try {
      const response = await fetch(`${this.base}/enrol`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ venue: this.options.venue, publicKey: publicKeyPem, token }),
        signal: this.signal(),
      });
      if (response.ok) return { ok: true };
      return { ok: false, error: `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}` };
    } catch (err) {
      return { ok: false, error: describeFetchError(err) };
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
  }
}

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function parseAnswer(text: string): BatchAnswer | null {
  const body = parseJson<BatchAnswer>(text);
  return body && ['ack', 'gap', 'rejected'].includes(body.status) ? body : null;
}

function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'no answer before the request timeout';
  if (e.name === 'AbortError') return 'aborted (sync stopping)';
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
