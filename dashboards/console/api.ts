/** The console's calls to the hall server: same origin, signed in by the session cookie. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the server says the session is gone (expired, revoked): the console shows sign-in again. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export async function request<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    credentials: 'same-origin',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : null;
  if (!response.ok) {
    if (response.status === 401 && path !== '/api/auth/login') onSignedOut();
    // Ours answer {error: "field: reason"}; fastify's own (schema validation) {error: "Bad Request", message}.
    const answer = body as { error?: string; message?: string } | null;
    const message = answer?.message ?? answer?.error;
    throw new ApiError(response.status, message ?? response.statusText);
  }
  return body as T;
}

/** A WebSocket to `address()` (read again on each reconnect) that reconnects with backoff until closed. */
export function reconnectingSocket(
  address: () => string,
  onMessage: (data: string) => void,
  onStatus: (live: boolean) => void,
): () => void {
  let socket: WebSocket | null = null;
  let closed = false;
  let retryMs = 500;
  const connect = () => {
    const url = new URL(address(), location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.onopen = () => {
      retryMs = 500;
      onStatus(true);
    };
    socket.onmessage = (m) => onMessage(String(m.data));
    socket.onclose = () => {
      onStatus(false);
      if (closed) return;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };
  connect();
  return () => {
    closed = true;
    socket?.close();
  };
}

/** A live feed of the venue's events that reconnects and resumes after the last event it saw. */
export function openFeed(
  onEvent: (event: FeedEvent) => void,
  onStatus: (live: boolean) => void,
  afterSeq: number | null,
): () => void {
  let lastSeq = afterSeq;
  return reconnectingSocket(
    () => (lastSeq === null ? '/api/feed' : `/api/feed?after=${lastSeq}`),
    (data) => {
      const message = JSON.parse(data) as { type: string; event: FeedEvent };
      if (message.type !== 'event') return;
      lastSeq = message.event.seq;
      onEvent(message.event);
    },
    onStatus,
  );
}

/**
 * A feed message's event. Roles that may not read the record (operator) get alarms whole but of other events only
 * seq, at and type (hall-server/routes/events.ts), so the rest is optional.
 */
export interface FeedEvent {
  seq: number;
  at: number;
  type: string;
  session?: string | null;
  actor?: string | null;
  subject?: string | null;
  data?: Record<string, unknown>;
}
