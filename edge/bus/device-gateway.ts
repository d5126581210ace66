import { randomUUID } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import Database from 'better-sqlite3';
import type { Contracts } from '../../devices/contracts.ts';
import type { Ack } from '../../devices/envelope.ts';
import { validatePayload } from '../../devices/payload-validator.ts';
import { deviceTopic, parseDeviceTopic, TOPIC_ROOT } from '../../devices/topics.ts';
import type { DeviceRecord, DeviceRegistry } from '../registry/device-registry.ts';
import { contentProblem, recordable } from '../store/canonical.ts';
import { type EventLog, RecordContentError } from '../store/event-log.ts';
import type { Bus, BusDenial, BusMessage } from './bus.ts';

export type DeviceAck = Static<typeof Ack>;
export type DeviceHandler = (device: DeviceRecord, payload: Record<string, unknown>) => void;

type DeviceKind = keyof Contracts;
/** The events a device kind sends (devices/<kind>/contract.ts). */
export type DeviceEventName<K extends DeviceKind> = keyof Contracts[K]['events'] & string;
/** A device event's payload, typed from its contract (the gateway validated it against the same schema). */
export type DeviceEventPayload<
  K extends DeviceKind,
  N extends DeviceEventName<K>,
> = Contracts[K]['events'][N] extends infer S extends TSchema ? Static<S> : never;
/** A device kind's retained state, typed from its contract. */
export type DeviceStatePayload<K extends DeviceKind> = Contracts[K] extends { state: infer S extends TSchema }
  ? Static<S>
  : never;

export interface GatewayStats {
  received: number;
  accepted: number;
  malformed: number;
  unknownDevice: number;
  denied: number;
  handlerErrors: number;
}

export class CommandError extends Error {}

/** kind: the device kind; message: the topic after the device id (`event/pass-request`, `state`); seconds. */
export type HandledObserver = (kind: string, message: string, seconds: number) => void;

/** At most one record per key per window; the rest are counted into the next record. */
class RecordThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(private readonly windowMs: number) {}
  /** Returns how many were suppressed since the last record, or null to suppress this one. */
  admit(key: string, now: number): number | null {
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.windowMs) {
      entry.suppressed++;
      return null;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    return entry?.suppressed ?? 0;
  }
}

/**
 * The edge's one door to the devices: every message is checked against the registry and the device contract
 * before any domain module sees it. Bad input is counted, recorded (throttled) and dropped — never thrown. Runs
 * inside the bus's group commit: only a failure to write the record escapes, so the message is not acknowledged.
 */
export class DeviceGateway {
  private readonly eventHandlers = new Map<string, DeviceHandler[]>();
  private readonly stateHandlers = new Map<string, DeviceHandler[]>();
  private readonly pending = new Map<string, { resolve(ack: DeviceAck): void; timer: NodeJS.Timeout }>();
  private readonly throttle = new RecordThrottle(60_000);
  private handled: HandledObserver | null = null;
  readonly stats: GatewayStats = {
    received: 0,
    accepted: 0,
    malformed: 0,
    unknownDevice: 0,
    denied: 0,
    handlerErrors: 0,
  };

  constructor(
    private readonly bus: Bus,
    private readonly venueId: string,
    private readonly registry: DeviceRegistry,
    private readonly log: EventLog,
    private readonly onHandlerError: (err: unknown, topic: string) => void = () => {},
  ) {
    bus.on('denied', (d) => this.denied(d));
  }

  start(): Promise<void> {
    return this.bus.subscribe(`${TOPIC_ROOT}/${this.venueId}/#`, (m) => this.receive(m));
  }

  /** The handler gets the payload typed from the device's contract, against which it was validated. */
  onEvent<K extends DeviceKind, N extends DeviceEventName<K>>(
    kind: K,
    name: N,
    handler: (device: DeviceRecord, payload: DeviceEventPayload<K, N>) => void,
  ): void {
    const key = `${kind}/${name}`;
    this.eventHandlers.set(key, [...(this.eventHandlers.get(key) ?? []), handler as DeviceHandler]);
  }

  onState<K extends DeviceKind>(
    kind: K,
    handler: (device: DeviceRecord, payload: DeviceStatePayload<K>) => void,
  ): void {
    this.stateHandlers.set(kind, [...(this.stateHandlers.get(kind) ?? []), handler as DeviceHandler]);
  }

  /**
   * Sends a command and resolves with the device's ack. Retained commands (e.g. display content) reach a
   * device that reboots later; the promise still waits for the ack of the device as it is now.
   */
  async command(
    deviceId: string,
    name: string,
    args: Record<string, unknown>,
    options: { timeoutMs?: number; retain?: boolean } = {},
  ): Promise<DeviceAck> {
    const device = this.registry.get(deviceId);
    if (!device) throw new CommandError(`unknown device "${deviceId}"`);
    const id = randomUUID();
    const topic = deviceTopic(this.venueId, device.kind, deviceId, 'cmd', name);
    const body = { id, at: Date.now(), ...args };
    const invalid = validatePayload(parseDeviceTopic(topic) as never, JSON.stringify(body));
    if (!invalid.ok) throw new CommandError(`command ${name} for ${deviceId} is invalid: ${invalid.error}`);
    const acked = new Promise<DeviceAck>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ id, ok: false, error: 'no acknowledgement (timeout)', at: Date.now() });
      }, options.timeoutMs ?? 5000);
      timer.unref();
      this.pending.set(id, { resolve, timer });
    });
    await this.bus.publish(topic, JSON.stringify(body), { retain: options.retain });
    return acked;
  }

  private receive(message: BusMessage): void {
    this.stats.received++;
    const topic = parseDeviceTopic(message.topic);
    if ('error' in topic) return this.reject(null, message.topic, topic.error);
    if (topic.channel === 'cmd') return; // our own commands, echoed by the broker
    const device = this.registry.get(topic.deviceId);
    if (!device) {
      this.stats.unknownDevice++;
      const suppressed = this.throttle.admit(`unknown:${topic.deviceId}`, Date.now());
      if (suppressed !== null) {
        this.log.append({
          type: 'device.unknown',
          subject: recordable(topic.deviceId),
          actor: 'system',
          data: { topic: recordable(message.topic), suppressed },
        });
      }
      return;
    }
    if (device.kind !== topic.kind) {
      return this.reject(device, message.topic, `device ${device.id} is a ${device.kind}, not a ${topic.kind}`);
    }
    if (topic.channel === 'status' && message.payload.length === 0) return; // a cleared retained status
    const result = validatePayload(topic, message.payload);
    if (!result.ok) return this.reject(device, message.topic, result.error);
    // Valid by schema, but a lone surrogate, a control character or `1e999` (Infinity) could not enter the
    // record as it would be hashed: refused here with its path, before any module sees it. Line breaks pass (an
    // intercom station's SDP is lines); the contract's patterns keep them out of ids and names.
    const unrecordable = contentProblem(result.payload, '');
    if (unrecordable) return this.reject(device, message.topic, unrecordable);
    this.stats.accepted++;
    const payload = result.payload;
    switch (topic.channel) {
      case 'status':
        if (payload.online) this.registry.markOnline(device.id, 'status');
        else this.registry.markOffline(device.id, payload.reason === 'shutdown' ? 'announced' : 'last-will');
        return;
      case 'heartbeat':
        return this.registry.heartbeat(device.id, payload.firmware as string);
      case 'ack': {
        this.registry.heard(device.id);
        const waiting = this.pending.get(payload.id as string);
        if (waiting) {
          clearTimeout(waiting.timer);
          this.pending.delete(payload.id as string);
          waiting.resolve(payload as DeviceAck);
        }
        return;
      }
      case 'state':
        this.registry.heard(device.id);
        this.registry.setState(device.id, payload);
        return this.dispatch(this.stateHandlers.get(device.kind), device, payload, message.topic, 'state');
      case 'event': {
        this.registry.heard(device.id);
        const handlers = this.eventHandlers.get(`${device.kind}/${topic.name}`);
        return this.dispatch(handlers, device, payload, message.topic, `event/${topic.name}`);
      }
    }
  }

  /** Sets who is told how long each device message took to handle (the metrics' decision-latency histogram). */
  observeHandled(observer: HandledObserver): void {
    this.handled = observer;
  }

  private dispatch(
    handlers: DeviceHandler[] | undefined,
    device: DeviceRecord,
    payload: Record<string, unknown>,
    topic: string,
    message: string,
  ) {
    const started = performance.now();
    for (const handler of handlers ?? []) {
      try {
        handler(device, payload);
      } catch (err) {
        // The record could not be written (disk full, I/O error): the message must not be acknowledged, so the
        // group commit refuses it and the device sends it again.
        if (err instanceof Database.SqliteError) throw err;
        // What the device sent cannot be recorded as it would be hashed (e.g. a time past 2^53): a malformed
        // message, recorded as such, not a bug.
        if (err instanceof RecordContentError) return this.reject(device, topic, err.message);
        // A domain bug must not take the bus down; it is counted, logged and visible.
        this.stats.handlerErrors++;
        this.onHandlerError(err, topic);
      }
    }
    if (handlers?.length) this.handled?.(device.kind, message, (performance.now() - started) / 1000);
  }

  private reject(device: DeviceRecord | null, topic: string, error: string): void {
    this.stats.malformed++;
    if (device) this.registry.recordMalformed(device.id, error);
    const suppressed = this.throttle.admit(`malformed:${device?.id ?? topic}`, Date.now());
    if (suppressed === null) return;
    this.log.append({
      type: 'device.malformed',
      subject: device?.id ?? null,
      actor: device?.id ?? null,
      // The topic and the validator's message may quote what the device sent: recorded escaped if need be.
      data: { topic: recordable(topic), error: recordable(error), suppressed },
    });
  }

  private denied(d: BusDenial): void {
    this.stats.denied++;
    const suppressed = this.throttle.admit(`denied:${d.username}:${d.topic}`, Date.now());
    if (suppressed === null) return;
    const username = d.username === null ? null : recordable(d.username);
    this.log.append({
      type: 'bus.denied',
      subject: username,
      actor: username,
      data: { topic: d.topic === null ? null : recordable(d.topic), reason: recordable(d.reason), suppressed },
    });
  }
}
