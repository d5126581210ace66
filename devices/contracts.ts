import type { DeviceKind } from '../config/schema.ts';
import { displayContract } from './display/contract.ts';
import { doorContract } from './door/contract.ts';
import type { DeviceContract } from './envelope.ts';
import { faceTerminalContract } from './face-terminal/contract.ts';
import { firePanelContract } from './fire-panel/contract.ts';
import { gateContract } from './gate/contract.ts';
import { intercomContract } from './intercom/contract.ts';
import { lockerContract } from './locker/contract.ts';
import { rtlsContract } from './rtls/contract.ts';

const contracts = {
  'face-terminal': faceTerminalContract,
  gate: gateContract,
  door: doorContract,
  locker: lockerContract,
  rtls: rtlsContract,
  display: displayContract,
  intercom: intercomContract,
  'fire-panel': firePanelContract,
} satisfies Record<DeviceKind, DeviceContract>;

/** The wire contract of every device kind a venue file may name. */
export const CONTRACTS: Record<DeviceKind, DeviceContract> = contracts;
/** The contracts' literal types: a device event's payload is `Static<Contracts[kind]['events'][name]>`. */
export type Contracts = typeof contracts;
