import type { DeviceContract } from '../envelope.ts';
import { passageContract } from '../gate/contract.ts';

export const doorContract = passageContract(
  'door',
  'door controller of an evaluation-room or zone door',
) satisfies DeviceContract;
