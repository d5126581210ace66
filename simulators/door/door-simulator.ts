import type { SimulatorIdentity } from '../device-simulator.ts';
import { PassageSimulator, type PassageSimulatorOptions } from '../gate/gate-simulator.ts';

/**
 * A room or zone door controller: the same wire behaviour as a speed gate (the contract is shared), with a
 * door contact that reports forced and held-open doors — held open after 30 s unless configured.
 */
export class DoorSimulator extends PassageSimulator {
  constructor(identity: SimulatorIdentity, options: PassageSimulatorOptions) {
    super(identity, { heldOpenMs: 30_000, ...options });
  }
}
