import { randomUUID } from 'node:crypto';
import {
  type AllowList,
  type AllowListEntry,
  allowListPermits,
  type Direction,
} from '../../devices/gate/allow-list.ts';
import { DeviceSimulator, type SimulatorIdentity, type SimulatorOptions } from '../device-simulator.ts';

export type Credential = AllowListEntry['credential'];
export type PassageMode = 'normal' | 'fire-open' | 'locked';

export interface PassResult {
  requestId: string;
  granted: boolean;
  /** `edge`: answered online; `allow-list`: decided locally while the edge was unreachable; `fire-open`: mode. */
  via: 'edge' | 'allow-list' | 'fire-open';
  grantId?: string;
  reason?: string;
  direction: Direction;
}

export interface PassageSimulatorOptions extends SimulatorOptions {
  /** How long to wait for the edge's answer before deciding from the allow-list. */
  responseTimeoutMs?: number;
  /** A released door left open longer than this reports held-open. */
  heldOpenMs?: number;
}

/**
 * A speed gate or door controller as the wire sees it: asks the edge for each credential, opens on `open`,
 * stays shut on `deny`, and when the edge does not answer (or the bus is down) decides from the retained
 * allow-list and reports those decisions (`offline-decision`) once it is back. Sensors report passages and
 * forced / held-open doors.
 */
export class PassageSimulator extends DeviceSimulator {
  mode: PassageMode = 'normal';
  isOpen = false;
  allowList: AllowList | null = null;
  readonly offlineQueue: Record<string, unknown>[] = [];
  private readonly waiting = new Map<string, (r: PassResult) => void>();
  private heldTimer: NodeJS.Timeout | null = null;

  constructor(
    identity: SimulatorIdentity,
    protected readonly passageOptions: PassageSimulatorOptions,
  ) {
    super(identity, passageOptions);
    this.handle('open', (a) => {
      this.waiting.get(a.requestId as string)?.({
        requestId: a.requestId as string,
        granted: true,
        via: 'edge',
        grantId: a.grantId as string,
        direction: a.direction as Direction,
      });
    });
    this.handle('deny', (a) => {
      const requestId = a.requestId as string;
      this.waiting.get(requestId)?.({
        requestId,
        granted: false,
        via: 'edge',
        reason: a.reason as string,
        direction: 'in',
      });
    });
    this.handle('mode', async (a) => {
      this.mode = a.mode as PassageMode;
      this.isOpen = this.mode === 'fire-open';
      await this.publishState();
    });
    this.handle('allow-list', async (a) => {
      this.allowList = {
        version: a.version as number,
        expiresAt: a.expiresAt as number,
        entries: a.entries as AllowListEntry[],
        freeDirections: (a.freeDirections as Direction[] | undefined) ?? [],
      };
      await this.publishState();
    });
  }

  protected override currentState(): Record<string, unknown> {
    return {
      mode: this.mode,
      open: this.isOpen,
      ...(this.allowList ? { allowListVersion: this.allowList.version } : {}),
    };
  }

  /** On every (re)connect, after status and state: report what was decided while the edge was away. */
  protected override async announce(): Promise<void> {
    // A gate waits on its answer: send each request at once instead of letting Nagle hold it back.
    (this.client?.stream as { setNoDelay?(on: boolean): void } | undefined)?.setNoDelay?.(true);
    await super.announce();
    await this.reportOfflineDecisions();
  }

  private async reportOfflineDecisions(): Promise<void> {
    while (this.offlineQueue.length && this.connected) {
      await this.event('offline-decision', this.offlineQueue[0]!);
      this.offlineQueue.shift();
    }
  }

  /** Someone presents a credential. Resolves with the decision, online or from the allow-list. */
  async present(credential: Credential, direction: Direction): Promise<PassResult> {
    const requestId = randomUUID();
    if (this.mode === 'fire-open') return { requestId, granted: true, via: 'fire-open', direction };
    if (this.connected) {
      const answer = new Promise<PassResult | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), this.passageOptions.responseTimeoutMs ?? 1500);
        this.waiting.set(requestId, (r) => {
          clearTimeout(timer);
          resolve({ ...r, direction });
        });
      });
      this.event('pass-request', { requestId, credential, direction }).catch(() => {});
      const result = await answer;
      this.waiting.delete(requestId);
      if (result) {
        if (result.granted) this.release();
        return result;
      }
    }
    return this.decideOffline(requestId, credential, direction);
  }

  private decideOffline(requestId: string, credential: Credential, direction: Direction): PassResult {
    const decidedAt = Date.now();
    const granted = this.allowList !== null && allowListPermits(this.allowList, credential, direction, decidedAt);
    this.offlineQueue.push({
      requestId,
      credential,
      direction,
      granted,
      decidedAt,
      allowListVersion: this.allowList?.version ?? 0,
    });
    if (granted) this.release();
    if (this.connected) void this.reportOfflineDecisions(); // the bus is up but the edge was slow: report now
    return { requestId, granted, via: 'allow-list', direction };
  }

  /** Unlocks for one passage; the door closes by itself unless someone props it open. */
  private release(): void {
    this.isOpen = true;
    const t = setTimeout(() => {
      if (this.mode !== 'fire-open') this.isOpen = false;
    }, 500);
    t.unref();
  }

  /** The sensor counted people passing (more than one on a grant is tailgating). */
  async walkThrough(result: Pick<PassResult, 'direction' | 'grantId'>, count = 1): Promise<void> {
    await this.event('passage', {
      direction: result.direction,
      count,
      ...(result.grantId ? { grantId: result.grantId } : {}),
    });
  }

  /** The door is opened without a grant (kicked, key override): the contact reports it. */
  async forceOpen(): Promise<void> {
    this.isOpen = true;
    await this.event('alarm', { type: 'forced-open' });
    await this.publishState();
  }

  /** Someone props the door open: after heldOpenMs the controller reports held-open. */
  propOpen(): Promise<void> {
    this.isOpen = true;
    return new Promise((resolve) => {
      this.heldTimer = setTimeout(() => {
        void this.event('alarm', { type: 'held-open' }).then(resolve, resolve);
      }, this.passageOptions.heldOpenMs ?? 30_000);
    });
  }

  override async stop(): Promise<void> {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    await super.stop();
  }
}

/** A speed gate at the evaluation-zone entrance or exit. */
export class GateSimulator extends PassageSimulator {}
