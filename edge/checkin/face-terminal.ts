import type { DeviceGateway } from '../bus/device-gateway.ts';
import type { CheckinResult, CheckinService } from './checkin-service.ts';
import type { DescribedFace } from './face/face-engine.ts';
import type { HardwareLiveness } from './presentation.ts';

/** The contract's `capture` event, as validated by the gateway. */
interface CaptureEvent {
  attemptId: string;
  frames: { image: string; capturedAt: number }[];
  liveness?: HardwareLiveness;
}

const BUSY = '上一次核验尚未完成，请稍候再试';
/** What the terminal shows when the edge could not finish an attempt (the error is logged). */
const FAILED = '核验未能完成，请由见证人核验';

/** How long an ID-card read waits for the terminal's capture. */
const CARD_TTL_MS = 120_000;

interface PendingCard {
  idNumber: string;
  photo: Buffer;
  /** The chip photo's face, analysed while the person steps up to the camera. */
  face: Promise<DescribedFace>;
  at: number;
}

/** What the terminal's screen shows for a result (the contract's show-result command). */
export function screenOf(attemptId: string, result: CheckinResult): Record<string, unknown> {
  if (!result.accepted)
    return {
      attemptId,
      accepted: false,
      message: result.message,
      ...(result.outcome === 'look-again' ? { lookAgain: true } : {}),
    };
  return {
    attemptId,
    accepted: true,
    message: result.message.slice(0, 200),
    room: result.roomName,
    ...(result.seat ? { seat: result.seat } : {}),
    ...(result.locker ? { locker: `${result.locker.bank}#${result.locker.compartment}` } : {}),
    ...(result.badge ? { badge: result.badge } : {}),
  };
}

/**
 * The face terminal's side of check-in over the device bus: `idcard-read` holds the chip data for the
 * attempt, `capture` runs 人证核验 when a card was read for that attempt and 1:N otherwise; the terminal is
 * answered with `show-result` and a `beep`. Chip data is held in memory only, for two minutes at most. A
 * terminal with `maxConcurrent` captures in progress is told to wait instead of queueing face work for everyone.
 */
export class FaceTerminalHandler {
  private readonly cards = new Map<string, PendingCard>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly gateway: DeviceGateway,
    private readonly checkin: CheckinService,
    private readonly onError: (err: unknown, deviceId: string) => void,
    private readonly maxConcurrent = 2,
  ) {}

  start(): void {
    this.gateway.onEvent('face-terminal', 'idcard-read', (device, p) => {
      this.dropStale();
      const photo = Buffer.from(p.photo as string, 'base64');
      this.cards.set(`${device.id}/${p.attemptId}`, {
        idNumber: p.idNumber as string,
        photo,
        face: this.checkin.prepareChipPhoto(photo),
        at: Date.now(),
      });
    });
    this.gateway.onEvent('face-terminal', 'capture', (device, p) => {
      const capture = p as unknown as CaptureEvent;
      const running = this.inFlight.get(device.id) ?? 0;
      const attempt =
        running >= this.maxConcurrent
          ? this.answer(device.id, { attemptId: capture.attemptId, accepted: false, message: BUSY }, false)
          : this.capture(device.id, capture);
      this.inFlight.set(device.id, running + 1);
      void attempt
        .catch((err) => {
          this.onError(err, device.id);
          // The person at the terminal is told, not left waiting for an answer that will not come.
          return this.answer(device.id, { attemptId: capture.attemptId, accepted: false, message: FAILED }, false);
        })
        .catch((err) => this.onError(err, device.id))
        .finally(() => {
          const left = (this.inFlight.get(device.id) ?? 1) - 1;
          if (left > 0) this.inFlight.set(device.id, left);
          else this.inFlight.delete(device.id);
        });
    });
  }

  stop(): void {
    this.cards.clear();
  }

  private async capture(deviceId: string, { attemptId, frames: sent, liveness }: CaptureEvent): Promise<void> {
    const key = `${deviceId}/${attemptId}`;
    const card = this.cards.get(key);
    this.cards.delete(key);
    const frames = sent.map((f) => ({ image: Buffer.from(f.image, 'base64'), capturedAt: f.capturedAt }));
    const capture = { by: deviceId, frames, ...(liveness ? { hardwareLiveness: liveness } : {}) };
    const result = card
      ? await this.checkin.checkInWithIdCard({
          ...capture,
          idNumber: card.idNumber,
          chipPhoto: card.photo,
          chipFace: card.face,
        })
      : await this.checkin.checkInWithFace(capture);
    // Asked to look again, the person is still at the terminal with the card read: a new capture for the same
    // attempt uses it.
    if (card && result.outcome === 'look-again') this.cards.set(key, card);
    await this.answer(deviceId, screenOf(attemptId, result), result.accepted);
  }

  private async answer(deviceId: string, screen: Record<string, unknown>, ok: boolean): Promise<void> {
    await Promise.all([
      this.gateway.command(deviceId, 'show-result', screen),
      this.gateway.command(deviceId, 'beep', { pattern: ok ? 'ok' : 'error' }),
    ]);
  }

  private dropStale(): void {
    const cutoff = Date.now() - CARD_TTL_MS;
    for (const [key, card] of this.cards) if (card.at < cutoff) this.cards.delete(key);
  }
}
