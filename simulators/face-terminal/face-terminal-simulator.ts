import { randomUUID } from 'node:crypto';
import type { HardwareLiveness } from '../../devices/face-terminal/contract.ts';
import { DeviceSimulator, type SimulatorIdentity, type SimulatorOptions } from '../device-simulator.ts';
import { timedFrames } from './shared-photos.ts';

export interface ShownResult {
  attemptId: string;
  accepted: boolean;
  /** The edge asks the person to face the camera again (a new capture for the same attempt). */
  lookAgain?: boolean;
  message: string;
  room?: string;
  seat?: string;
  locker?: string;
  badge?: string;
}

export interface IdCardRead {
  idNumber: string;
  /** Read from the chip; the edge uses it for nothing and keeps it nowhere. */
  name: string;
  photo: Buffer;
}

/**
 * The entrance face terminal: an ID-card reader, a camera, a screen and a beeper. An attempt sends the card
 * read (if any) and the captured frames, then waits for the edge's `show-result` for that attempt.
 */
export class FaceTerminalSimulator extends DeviceSimulator {
  screen = 'idle';
  readonly shown: ShownResult[] = [];
  readonly beeps: string[] = [];

  constructor(identity: SimulatorIdentity, options: SimulatorOptions) {
    super(identity, options);
    this.handle('show-result', async (a) => {
      this.shown.push(a as unknown as ShownResult);
      this.screen = a.accepted ? 'accepted' : 'refused';
      await this.publishState();
    });
    this.handle('beep', (a) => {
      this.beeps.push(a.pattern as string);
    });
  }

  protected override currentState(): Record<string, unknown> {
    return { screen: this.screen };
  }

  /**
   * The chip reader alone, as on a terminal whose screen is the kiosk page: the edge hands the read to the page
   * paired under this terminal's id, which captures the frames itself.
   */
  async readCard(card: IdCardRead, attemptId: string = randomUUID()): Promise<void> {
    await this.event('idcard-read', {
      attemptId,
      idNumber: card.idNumber,
      name: card.name,
      photo: card.photo.toString('base64'),
    });
  }

  /**
   * One check-in attempt; resolves with what the screen shows, or rejects after `timeoutMs` without an answer.
   * The frames are sent as captured over a little more than a second, ending now; `liveness` is what an NIR or
   * depth terminal would add.
   */
  async attempt(
    input: { card?: IdCardRead; frames: Buffer[]; liveness?: HardwareLiveness },
    timeoutMs = 30_000,
  ): Promise<ShownResult> {
    const attemptId = randomUUID();
    const answered = new Promise<ShownResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('command', listener);
        reject(new Error(`${this.id}: no result for attempt ${attemptId} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (name: string, args: Record<string, unknown>) => {
        if (name !== 'show-result' || args.attemptId !== attemptId) return;
        clearTimeout(timer);
        this.off('command', listener);
        resolve(args as unknown as ShownResult);
      };
      this.on('command', listener);
    });
    if (input.card) await this.readCard(input.card, attemptId);
    const frames = timedFrames(input.frames).map((f) => ({
      image: f.image.toString('base64'),
      capturedAt: f.capturedAt,
    }));
    await this.event('capture', { attemptId, frames, ...(input.liveness ? { liveness: input.liveness } : {}) });
    return answered;
  }
}
