import type { Venue } from '../config/schema.ts';
import { BadgeSimulator } from './badges/badge-simulator.ts';
import { DeviceSimulator, type SimulatorIdentity, type SimulatorOptions } from './device-simulator.ts';
import { DisplaySimulator } from './display/display-simulator.ts';
import { DoorSimulator } from './door/door-simulator.ts';
import { FaceTerminalSimulator } from './face-terminal/face-terminal-simulator.ts';
import { FirePanelSimulator } from './fire-panel/fire-panel-simulator.ts';
import { GateSimulator } from './gate/gate-simulator.ts';
import { IntercomStationSimulator } from './intercom/station-simulator.ts';
import { LockerSimulator } from './locker/locker-simulator.ts';

export type SimulatorFactory = (
  identity: SimulatorIdentity,
  options: SimulatorOptions,
  venue: Venue,
) => DeviceSimulator;

/** Simulator per device kind; a kind without a behaviour of its own still connects, heartbeats and acks. */
const FACTORIES: Partial<Record<string, SimulatorFactory>> = {
  gate: (identity, options) => new GateSimulator(identity, options),
  door: (identity, options) => new DoorSimulator(identity, options),
  locker: (identity, options, venue) =>
    new LockerSimulator(identity, {
      ...options,
      compartments: venue.devices.find((d) => d.id === identity.id)?.compartments,
    }),
  'fire-panel': (identity, options) => new FirePanelSimulator(identity, options),
  'face-terminal': (identity, options) => new FaceTerminalSimulator(identity, options),
  rtls: (identity, options, venue) => new BadgeSimulator(identity, options, venue),
  display: (identity, options) => new DisplaySimulator(identity, options),
  // Simulated rooms answer the console at once, so a demo call from the console connects.
  intercom: (identity, options) => new IntercomStationSimulator(identity, { ...options, autoAnswer: true }),
};

export interface VenueSimulators {
  devices: DeviceSimulator[];
  get(id: string): DeviceSimulator;
  stop(): Promise<void>;
}

/**
 * Starts a simulated device for every device in the venue file (or those selected), each connecting to the
 * broker with its own credential exactly as the real device would.
 */
export async function startVenueSimulators(
  venue: Venue,
  options: {
    brokerUrl: string;
    credential(deviceId: string): string;
    only?: (deviceId: string) => boolean;
    heartbeatS?: number;
  },
): Promise<VenueSimulators> {
  const devices = venue.devices
    .filter((d) => options.only?.(d.id) ?? true)
    .map((d) => {
      const identity = { venue: venue.id, kind: d.kind, id: d.id, password: options.credential(d.id) };
      const simOptions = { brokerUrl: options.brokerUrl, heartbeatS: options.heartbeatS ?? d.heartbeatS ?? 10 };
      const factory = FACTORIES[d.kind];
      return factory ? factory(identity, simOptions, venue) : new DeviceSimulator(identity, simOptions);
    });
  await Promise.all(devices.map((d) => d.connect()));
  const byId = new Map(devices.map((d) => [d.id, d]));
  return {
    devices,
    get(id) {
      const sim = byId.get(id);
      if (!sim) throw new Error(`no simulated device "${id}"`);
      return sim;
    },
    async stop() {
      await Promise.all(devices.map((d) => d.stop()));
    },
  };
}
