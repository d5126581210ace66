import { DeviceSimulator, type SimulatorIdentity, type SimulatorOptions } from '../device-simulator.ts';

/**
 * A phone locker bank: compartments assigned by command, deposits and retrievals reported when a compartment
 * door closes on a phone or is emptied. Refuses to assign an occupied or non-existent compartment.
 */
export class LockerSimulator extends DeviceSimulator {
  readonly assigned = new Map<number, string>();
  readonly occupied = new Map<number, string>();

  constructor(identity: SimulatorIdentity, options: SimulatorOptions & { compartments?: number }) {
    super(identity, options);
    const size = options.compartments ?? 60;
    this.handle('assign', (a) => {
      const c = a.compartment as number;
      if (c > size) throw new Error(`compartment ${c} does not exist (bank has ${size})`);
      if (this.occupied.has(c)) throw new Error(`compartment ${c} is occupied`);
      this.assigned.set(c, a.holder as string);
    });
    this.handle('release', async (a) => {
      this.assigned.delete(a.compartment as number);
      this.occupied.delete(a.compartment as number);
      await this.publishState();
    });
  }

  protected override currentState(): Record<string, unknown> {
    return { occupied: [...this.occupied.keys()].sort((a, b) => a - b) };
  }

  /** A phone goes in and the door closes; the holder is whoever the compartment was assigned to. */
  async deposit(compartment: number, holder = this.assigned.get(compartment)): Promise<void> {
    if (!holder) throw new Error(`compartment ${compartment} is not assigned`);
    this.occupied.set(compartment, holder);
    await this.event('deposit', { compartment, holder });
    await this.publishState();
  }

  async retrieve(compartment: number): Promise<void> {
    const holder = this.occupied.get(compartment);
    if (!holder) throw new Error(`compartment ${compartment} is empty`);
    this.occupied.delete(compartment);
    await this.event('retrieve', { compartment, holder });
    await this.publishState();
  }
}
