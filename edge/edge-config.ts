import { join } from 'node:path';
import type { ListenerPorts } from './bus/broker-listeners.ts';
import type { TlsSettings } from './tls/edge-tls.ts';

/**
 * One typed, validated configuration for an edge: the venue file says what the venue is (config/schema.ts); this
 * says how this machine runs it. Built once at start from the environment (edgeConfigFromEnv), checked whole —
 * every wrong variable is named with what it must be — and passed in; modules never read process.env.
 * `npm start -- --print-config` prints it with secrets masked.
 */

/** Embedded broker listeners: plain MQTT 1883 and WebSocket 8083 unless told, MQTTS and WSS when given a port. */
export type BusOptions =
  | ({ kind: 'embedded'; host?: string } & Partial<ListenerPorts>)
  | { kind: 'external'; url: string; deviceUrl?: string };

/** What the capability modules take from the machine's configuration. */
export interface ModuleSettings {
  /** Record every camera of the venue file from the start (`HALLEDGE_RECORD=1`); adopted cameras always record. */
  recordAll: boolean;
  camera: {
    /** The ONVIF/RTSP account of the venue's cameras. */
    username: string;
    password: string;
    /** Extra ONVIF addresses to probe besides WS-Discovery. */
    discovery: string[];
    /** RTSP over TCP (real cameras' default) unless `udp` (the camera simulator's RTSP relay). */
    rtspTransport: 'tcp' | 'udp';
  };
  video: {
    segmentS?: number;
    /** Free space kept on the footage volume; recording pauses under it (docs/video.md). */
    reserveMb?: number;
    rollingDays: number;
    quotaGb?: number;
    minFreeGb?: number;
    archiveDays?: number;
  };
  /** `ssd` runs SSD MobileNet on camera frames too (docs/checkin.md); the fast detector otherwise. */
  faceDetector: 'default' | 'ssd';
  /** The first administrator's password; a random one is written to the key directory otherwise. */
  adminPassword?: string;
}

export const DEFAULT_MODULE_SETTINGS: ModuleSettings = {
  recordAll: false,
  camera: { username: 'admin', password: '', discovery: [], rtspTransport: 'tcp' },
  video: { rollingDays: 30 },
  faceDetector: 'default',
};

export interface EdgeConfig {
  venue: string;
  dataDir: string;
  keysDir?: string;
  bus: BusOptions;
  http: { host: string; port: number; plain: boolean };
  tls: TlsSettings;
  metricsToken?: string;
  logLevel: string;
  settings: ModuleSettings;
}

export class EdgeConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** Reads variables, collecting every problem instead of stopping at the first. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  int(name: string, min: number, max: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    this.problems.push(`${name}: must be a whole number from ${min} to ${max}, not "${raw}"`);
    return undefined;
  }

  /** A listener port, or null for "off". */
  port(name: string, fallback: number | null): number | null {
    if (this.string(name) === 'off') return null;
    return this.int(name, 0, 65_535) ?? fallback;
  }

  flag(name: string): boolean {
    const raw = this.string(name);
    if (raw === undefined || raw === '0' || raw === 'false') return false;
    if (raw === '1' || raw === 'true') return true;
    this.problems.push(`${name}: must be 1 or 0, not "${raw}"`);
    return false;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name}: must be one of ${values.join(', ')}, not "${raw}"`);
    return fallback;
  }

  list(name: string): string[] | undefined {
    return this.string(name)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    try {
      if (protocols.includes(new URL(raw).protocol)) return raw;
    } catch {
      // reported below
    }
    this.problems.push(`${name}: must be a ${protocols.map((p) => `${p}//…`).join(' or ')} URL, not "${raw}"`);
    return undefined;
  }
}

/** The data directory's default: data/<venue id>, the venue given by id or by its file's path. */
const defaultDataDir = (venue: string) =>
  join(
    'data',
    venue
      .replace(/\.yaml$/, '')
      .split('/')
      .pop()!,
  );

/** Builds the edge's configuration from its environment (docs/operations.md lists the variables). */
export function edgeConfigFromEnv(env: Env): EdgeConfig {
  const r = new EnvReader(env);
  const venue = r.string('HALLEDGE_VENUE') ?? 'jincheng';
  const externalBroker = r.url('HALLEDGE_MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:']);
  const config: EdgeConfig = {
    venue,
    dataDir: r.string('HALLEDGE_DATA') ?? defaultDataDir(venue),
    keysDir: r.string('HALLEDGE_KEYS'),
    bus: externalBroker
      ? { kind: 'external', url: externalBroker }
      : {
          kind: 'embedded',
          host: r.string('HALLEDGE_MQTT_HOST') ?? '127.0.0.1',
          port: r.port('HALLEDGE_MQTT_PORT', 1883),
          wsPort: r.port('HALLEDGE_MQTT_WS_PORT', 8083),
          tlsPort: r.port('HALLEDGE_MQTT_TLS_PORT', 8883),
          wssPort: r.port('HALLEDGE_MQTT_WSS_PORT', 8084),
        },
    http: {
      host: r.string('HALLEDGE_HTTP_HOST') ?? '127.0.0.1',
      port: r.int('HALLEDGE_HTTP_PORT', 0, 65_535) ?? 8080,
      plain: r.flag('HALLEDGE_HTTP_PLAIN'),
    },
    tls: {
      hosts: r.list('HALLEDGE_TLS_HOSTS'),
      certFile: r.string('HALLEDGE_TLS_CERT'),
      keyFile: r.string('HALLEDGE_TLS_KEY'),
    },
    metricsToken: r.string('HALLEDGE_METRICS_TOKEN'),
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    settings: {
      recordAll: r.flag('HALLEDGE_RECORD'),
      camera: {
        username: r.string('HALLEDGE_CAMERA_USER') ?? DEFAULT_MODULE_SETTINGS.camera.username,
        password: r.string('HALLEDGE_CAMERA_PASSWORD') ?? DEFAULT_MODULE_SETTINGS.camera.password,
        discovery: r.list('HALLEDGE_CAMERA_DISCOVERY') ?? [],
        rtspTransport: r.oneOf('HALLEDGE_RTSP_TRANSPORT', ['tcp', 'udp'], 'tcp'),
      },
      video: {
        segmentS: r.int('HALLEDGE_VIDEO_SEGMENT_S', 1, 3600),
        reserveMb: r.int('HALLEDGE_VIDEO_RESERVE_MB', 1, 10_000_000),
        rollingDays: r.int('HALLEDGE_VIDEO_ROLLING_DAYS', 1, 3650) ?? DEFAULT_MODULE_SETTINGS.video.rollingDays,
        quotaGb: r.int('HALLEDGE_VIDEO_QUOTA_GB', 1, 1_000_000),
        minFreeGb: r.int('HALLEDGE_VIDEO_MIN_FREE_GB', 1, 1_000_000),
        archiveDays: r.int('HALLEDGE_VIDEO_ARCHIVE_DAYS', 1, 36_500),
      },
      faceDetector: r.oneOf('HALLEDGE_FACE_DETECTOR', ['default', 'ssd'], 'default'),
      adminPassword: r.string('HALLEDGE_ADMIN_PASSWORD'),
    },
  };
  if (r.problems.length)
    throw new EdgeConfigError(`the edge's configuration is not valid:\n  ${r.problems.join('\n  ')}`);
  return config;
}

const MASK = '********';
const mask = (secret: string | undefined) => (secret ? MASK : secret);

/** The configuration as `--print-config` shows it: secrets masked, nothing left out. */
export function printableConfig(config: EdgeConfig): EdgeConfig {
  return {
    ...config,
    metricsToken: mask(config.metricsToken),
    settings: {
      ...config.settings,
      camera: { ...config.settings.camera, password: mask(config.settings.camera.password) ?? '' },
      adminPassword: mask(config.settings.adminPassword),
    },
  };
}
