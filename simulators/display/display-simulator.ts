import type { Board } from '../../devices/display/contract.ts';
import { DeviceSimulator, type SimulatorIdentity, type SimulatorOptions } from '../device-simulator.ts';

/**
 * A door or hall display: shows the last content command (retained, so it arrives again right after a
 * reboot) and the notices it was sent; acknowledges both as a real board does.
 */
export class DisplaySimulator extends DeviceSimulator {
  board: Board | null = null;
  version = 0;
  readonly notices: { noticeId: string; text: string; level: string }[] = [];

  constructor(identity: SimulatorIdentity, options: SimulatorOptions) {
    super(identity, options);
    this.handle('content', async (args) => {
      this.board = args.board as Board;
      this.version = args.version as number;
      await this.publishState();
    });
    this.handle('notice', (args) => {
      this.notices.push({ noticeId: String(args.noticeId), text: String(args.text), level: String(args.level) });
    });
  }

  protected override currentState(): Record<string, unknown> {
    return { contentVersion: this.version };
  }
}
