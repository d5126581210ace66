import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { VenueContext } from '../context.ts';
import { checkpointSigner, loadOrCreateSm2Key } from '../store/suites.ts';
import { CheckpointCourier, type CourierStatus } from './checkpoint-courier.ts';
import { CityLink, type CityLinkStatus } from './city-link.ts';
import { loadSyncConfig, type ResolvedSyncConfig } from './config.ts';
import { DownlinkInbox, type DownlinkResult, type DownlinkVia, type ScheduleSink } from './downlink.ts';
import { HttpTransport } from './http-transport.ts';
import { loadOrCreateVenueKey, loadPlatformKey, platformKeyFile, type VenueKey } from './keys.ts';
import { MqttTransport } from './mqtt-transport.ts';
import { Outbox, type OutboxStatus, SYNC_TARGET, sleep } from './outbox.ts';
import type { UpstreamTransport } from './transport.ts';

export interface SyncStatus {
  configured: boolean;
  venue: string;
  keyId: string;
  publicKey: string;
  transport: 'http' | 'mqtt' | null;
  url: string | null;
  platformKey: boolean;
  enrolment: 'not-needed' | 'pending' | 'enrolled' | 'failed';
  /** Why the last enrolment attempt failed (null once enrolled). */
  enrolmentError: string | null;
  /** The outbox; `awaiting-enrolment` while the key is not registered (nothing can be sent yet). */
  outbox: (Omit<OutboxStatus, 'state'> & { state: OutboxStatus['state'] | 'awaiting-enrolment' }) | null;
  /** The record's checkpoints on their way to the city and its receipts. */
  checkpoints: CourierStatus | null;
  downlink: { watermark: number; lastError: string | null };
  /** The edge↔hub link (null when sync is off or the link is switched off). */
  link: CityLinkStatus | null;
}

export function createTransport(config: ResolvedSyncConfig, venue: string, key: VenueKey): UpstreamTransport {
  if (config.transport === 'mqtt') {
    return new MqttTransport({
      url: config.url,
      venue,
      username: config.username,
      password: config.password,
      requestTimeoutMs: config.requestTimeoutMs,
    });
  }
  return new HttpTransport({
    url: config.url,
    venue,
    privateKey: key.privateKey,
    requestTimeoutMs: config.requestTimeoutMs,
  });
}

/**
 * Upstream sync for one venue: the outbox forwarding the record, the downlink inbox taking signed schedules,
 * and the transport between them and the city platform. Configured by `<dataDir>/sync.json`; without it the
 * service only holds the venue key (so it can be registered) and accepts signed schedules pushed over the API.
 */
export class SyncService {
  readonly key: VenueKey;
  readonly inbox: DownlinkInbox;
  private readonly config: ResolvedSyncConfig | null;
  private readonly transport: UpstreamTransport | null;
  /** The outbox (null when sync is not configured); exposed for diagnostics and tests. */
  readonly outbox: Outbox | null;
  /** The city platform's (hub's) public key: downlink messages and the hub's live grants are checked with it. */
  readonly platformKey: KeyObject | null;
  private readonly courier: CheckpointCourier | null;
  /** The edge↔hub WebSocket (remote sessions, downlink at once); null without sync or with `link: false`. */
  readonly link: CityLink | null;
  private enrolment: SyncStatus['enrolment'] = 'not-needed';
  private enrolmentError: string | null = null;
  private pullTimer: NodeJS.Timeout | null = null;
  private downlinkError: string | null = null;
  private stopped = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly ctx: VenueContext,
    sessions: ScheduleSink,
    config: ResolvedSyncConfig | null = loadSyncConfig(ctx.dataDir, ctx.keysDir),
  ) {
    this.config = config;
    this.key = loadOrCreateVenueKey(ctx.keysDir);
    const keyFile = config?.platformKey ?? platformKeyFile(ctx.keysDir);
    this.platformKey = existsSync(keyFile) ? loadPlatformKey(keyFile) : null;
    this.inbox = new DownlinkInbox(ctx.log, ctx.venue.id, this.platformKey, sessions);
    this.transport = config ? createTransport(config, ctx.venue.id, this.key) : null;
    this.outbox =
      config && this.transport
        ? new Outbox(ctx.log, {
            venue: ctx.venue.id,
            key: this.key,
            // The 国密 suite signs batches with the venue's SM2 key, as it signs checkpoints.
            ...(ctx.venue.record?.suite === 'sm2-sm3'
              ? { batchSigner: checkpointSigner(loadOrCreateSm2Key(ctx.keysDir)) }
              : {}),
            transport: this.transport,
            alarms: ctx.alarms,
            logger: ctx.logger,
            batchSize: config.batchSize,
            lingerMs: config.lingerMs,
            retry: config.retry,
            lagAlarm: config.lagAlarm,
          })
        : null;
    this.courier =
      config && this.transport
        ? new CheckpointCourier(ctx.anchor, this.transport, {
            alarms: ctx.alarms,
            logger: ctx.logger,
            platformKey: this.platformKey,
            retry: config.retry,
          })
        : null;
    this.link =
      config?.link && config.transport === 'http'
        ? new CityLink({
            url: config.url,
            venue: ctx.venue.id,
            privateKey: this.key.privateKey,
            downlinkAfter: () => this.inbox.watermark(),
            recordHead: () => ctx.log.head.seq,
            retry: config.retry,
            logger: ctx.logger,
          })
        : null;
    // Downlink over the link arrives at once; the pull stays as the fallback.
    this.link?.handle('downlink', (msg) => void this.receive(msg.envelope, 'link'));
    this.transport?.onDownlink((envelope) => this.receive(envelope, this.transport!.kind === 'mqtt' ? 'mqtt' : 'pull'));
  }

  start(): void {
    if (!this.config || !this.outbox) return;
    if (this.config.enrolToken && this.enrolledWithThisKey()) {
      this.enrolment = 'enrolled';
    } else if (this.config.enrolToken) {
      this.enrolment = 'pending';
    }
    void this.enrolThenSend();
    this.pullTimer = setInterval(() => void this.pull(), this.config.pullMs);
    this.pullTimer.unref();
  }

  /**
   * Whether the platform knows the key in use. A rotated key (key-rotation.ts) needs enrolling anew; an edge
   * enrolled before the key was recorded counts as enrolled with its key.
   */
  private enrolledWithThisKey(): boolean {
    const state = this.ctx.db
      .prepare('SELECT key, value FROM sync_state WHERE key IN (?, ?)')
      .all('enrolled', 'enrolled-key') as {
      key: string;
      value: string;
    }[];
    const key = state.find((s) => s.key === 'enrolled-key')?.value;
    return state.some((s) => s.key === 'enrolled') && (key === undefined || key === this.key.keyId);
  }

  /** Registers the venue key with the one-time token (retrying), then starts forwarding. */
  private async enrolThenSend(): Promise<void> {
    const { config, transport, outbox } = this;
    if (!config || !transport || !outbox) return;
    for (let attempt = 0; this.enrolment === 'pending' || this.enrolment === 'failed'; attempt++) {
      if (this.stopped) return;
      const result = transport.enrol
        ? await transport.enrol(this.key.publicKeyPem, config.enrolToken!)
        : ({ ok: false, error: `${transport.kind} has no enrolment; register the key with the platform` } as const);
      if (result.ok) {
        const enrolled = this.ctx.db.prepare('INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)');
        enrolled.run('enrolled', String(Date.now()));
        enrolled.run('enrolled-key', this.key.keyId);
        this.ctx.log.append({ type: 'sync.enrolled', actor: 'system', data: { keyId: this.key.keyId } });
        this.enrolment = 'enrolled';
        this.enrolmentError = null;
        this.ctx.alarms.clear('sync-enrolment-failed', SYNC_TARGET, 'enrolled');
        break;
      }
      this.enrolment = 'failed';
      this.enrolmentError = result.error;
      // Until enrolled nothing goes up: the city sees nothing of this venue, so the console must see why.
      this.ctx.alarms.raise({
        kind: 'sync-enrolment-failed',
        level: 2,
        subject: SYNC_TARGET,
        details: { error: result.error, attempt: attempt + 1 },
      });
      this.ctx.logger.warn({ error: result.error }, 'sync: enrolment with the platform failed; retrying');
      await sleep(Math.min(config.retry.maxMs, config.retry.baseMs * 2 ** attempt), this.stopping.signal);
    }
    if (this.stopped) return;
    outbox.start();
    this.courier?.start();
    this.link?.start();
    void this.pull();
  }

  private async pull(): Promise<void> {
    if (!this.transport || this.stopped) return;
    try {
      await this.transport.requestDownlink(this.inbox.watermark());
      this.downlinkError = null;
    } catch (err) {
      this.downlinkError = (err as Error).message;
    }
  }

  /** A downlink message from the transport or pushed to the API. */
  receive(envelope: unknown, via: DownlinkVia): DownlinkResult {
    if (this.stopped) return { status: 'rejected', reason: 'invalid', error: 'sync is stopping' };
    const result = this.inbox.accept(envelope, via);
    if (result.status === 'rejected') this.ctx.logger.warn({ error: result.error, via }, 'sync: downlink refused');
    // Nobody reads the import report of a platform push: sessions it could not import (a double booking, a
    // wrong room) are an alarm, each with its reason, so the venue calls the platform.
    if (result.status === 'accepted' && result.report.rejected.length)
      this.ctx.alarms.raise({
        kind: 'schedule-rejected',
        level: 2,
        subject: `downlink-${result.seq}`,
        details: { rejected: result.report.rejected },
      });
    return result;
  }

  status(): SyncStatus {
    return {
      configured: this.config !== null,
      venue: this.ctx.venue.id,
      keyId: this.key.keyId,
      publicKey: this.key.publicKeyPem,
      transport: this.config?.transport ?? null,
      url: this.config?.url ?? null,
      platformKey: this.platformKey !== null,
      enrolment: this.enrolment,
      enrolmentError: this.enrolmentError,
      outbox: this.outboxStatus(),
      checkpoints: this.courier?.status() ?? null,
      downlink: { watermark: this.inbox.watermark(), lastError: this.downlinkError },
      link: this.link?.status() ?? null,
    };
  }

  private outboxStatus(): SyncStatus['outbox'] {
    if (!this.outbox) return null;
    const status = this.outbox.status();
    const waiting = this.enrolment === 'pending' || this.enrolment === 'failed';
    return waiting ? { ...status, state: 'awaiting-enrolment', lastError: this.enrolmentError } : status;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    if (this.pullTimer) clearInterval(this.pullTimer);
    // Signal the outbox first, then abort its request in flight, then wait for it to settle.
    const outboxStopped = this.outbox?.stop();
    const courierStopped = this.courier?.stop();
    await this.link?.stop();
    await this.transport?.close();
    await outboxStopped;
    await courierStopped;
  }
}
