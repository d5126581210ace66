import type { Logger } from 'pino';
import type { Venue } from '../config/schema.ts';
import type { AlarmEngine } from './alerts/alarms.ts';
import type { Bus } from './bus/bus.ts';
import type { DeviceGateway } from './bus/device-gateway.ts';
import type { ClockWatch } from './clock/clock-watch.ts';
import type { ModuleSettings } from './edge-config.ts';
import type { DeviceRegistry } from './registry/device-registry.ts';
import type { RecordAnchor } from './store/checkpoints.ts';
import type { Db } from './store/database.ts';
import type { EventLog } from './store/event-log.ts';

/** Everything a venue's modules share. Domain modules receive this; they never reach into hall-server. */
export interface VenueContext {
  venue: Venue;
  dataDir: string;
  /** Where the venue's key files live, apart from the data (edge/keys-dir.ts). */
  keysDir: string;
  db: Db;
  log: EventLog;
  /** The record's signed checkpoints and receipts, and whether the record is degraded (edge/store/checkpoints.ts). */
  anchor: RecordAnchor;
  alarms: AlarmEngine;
  registry: DeviceRegistry;
  bus: Bus;
  gateway: DeviceGateway;
  /** The host clock's state (time daemon, drift alarm): every timestamp in the record depends on it. */
  clock: ClockWatch;
  /** What the modules take from the machine's configuration (edge/edge-config.ts). */
  settings: ModuleSettings;
  logger: Logger;
  /** The device's bus password, for provisioning and the simulators. */
  deviceCredential(deviceId: string): string;
}

/** A capability wired into the venue at start (sessions, access, tracking, …); stop() runs at shutdown, in reverse order. */
export interface VenueModule {
  name: string;
  stop?(): Promise<void> | void;
}
