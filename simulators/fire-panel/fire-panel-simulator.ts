import { DeviceSimulator } from '../device-simulator.ts';

/** A fire alarm panel's dry-contact input: raises and clears the alarm; the state says whether it is active. */
export class FirePanelSimulator extends DeviceSimulator {
  alarm = false;

  protected override currentState(): Record<string, unknown> {
    return { alarm: this.alarm };
  }

  async raise(detector: string): Promise<void> {
    this.alarm = true;
    await this.event('fire-alarm', { active: true, detector });
    await this.publishState();
  }

  async clear(): Promise<void> {
    this.alarm = false;
    await this.event('fire-alarm', { active: false });
    await this.publishState();
  }
}
