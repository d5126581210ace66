import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import onvif from 'onvif';

/**
 * Camera driver over ONVIF (the `onvif` package): device information, media profiles, stream URI, PTZ presets
 * and the camera's clock drift. Translates only; recording rules live in edge/video.
 */
export interface CameraEndpoint {
  /** Device service address, e.g. http://127.0.0.1:18080/cam-hall/onvif/device_service. */
  deviceService: string;
  username: string;
  password: string;
  timeoutMs?: number;
}

export interface CameraProfile {
  token: string;
  name: string;
  encoding: string;
  width: number;
  height: number;
  fps: number;
}

export interface CameraDescription {
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  profiles: CameraProfile[];
  /** The main profile's token: the largest resolution, the stream that is recorded. */
  mainProfile: string;
  /** The main profile's RTSP URI. */
  streamUri: string;
  /**
   * The substream for live grids: the smallest H.264/H.265 profile below the main's size, and its RTSP URI;
   * null when the camera has none (or did not give its URI: then `substreamError` says why).
   */
  substream: { profile: string; uri: string } | null;
  substreamError?: string;
  presets: { token: string; name: string }[];
  /** Camera clock minus host clock, milliseconds (ONVIF reports whole seconds, so ±1 s is noise). */
  clockDriftMs: number;
}

type Callback<T> = (err: Error | null, value: T) => void;
interface OnvifCam {
  getDeviceInformation(cb: Callback<Record<string, string>>): void;
  getProfiles(cb: Callback<OnvifProfile[]>): void;
  getStreamUri(o: { protocol: string; profileToken: string }, cb: Callback<{ uri: string }>): void;
  getPresets(o: { profileToken: string }, cb: Callback<Record<string, { $: { token: string }; name: string }>>): void;
  gotoPreset(o: { profileToken: string; preset: string }, cb: Callback<unknown>): void;
  getSystemDateAndTime(cb: Callback<Date>): void;
}
interface OnvifProfile {
  $: { token: string };
  name: string;
  videoEncoderConfiguration?: {
    encoding: string;
    resolution: { width: number; height: number };
    rateControl?: { frameRateLimit: number };
  };
}

const Cam = (onvif as unknown as { Cam: new (o: object, cb: (err: Error | null) => void) => OnvifCam }).Cam;

const call = <T>(fn: (cb: Callback<T>) => void) =>
  new Promise<T>((ok, fail) => fn((err, v) => (err ? fail(err) : ok(v))));

export class OnvifCamera {
  private constructor(
    private readonly cam: OnvifCam,
    readonly endpoint: CameraEndpoint,
  ) {}

  /** Connects (GetSystemDateAndTime, GetCapabilities, GetProfiles…); fails with the camera's own error. */
  static async connect(endpoint: CameraEndpoint): Promise<OnvifCamera> {
    const url = new URL(endpoint.deviceService);
    const cam = await new Promise<OnvifCam>((ok, fail) => {
      const c: OnvifCam = new Cam(
        {
          hostname: url.hostname,
          port: Number(url.port || 80),
          path: url.pathname,
          username: endpoint.username,
          password: endpoint.password,
          timeout: endpoint.timeoutMs ?? 5000,
          // Services are addressed as the camera reports them; keep the host we were given (NAT, loopback).
          preserveAddress: true,
        },
        (err) => (err ? fail(new Error(`ONVIF ${endpoint.deviceService}: ${err.message}`)) : ok(c)),
      );
    });
    return new OnvifCamera(cam, endpoint);
  }

  async describe(): Promise<CameraDescription> {
    const info = await call<Record<string, string>>((cb) => this.cam.getDeviceInformation(cb));
    const profiles = (await call<OnvifProfile[]>((cb) => this.cam.getProfiles(cb))).map((p) => ({
      token: p.$.token,
      name: p.name,
      encoding: p.videoEncoderConfiguration?.encoding ?? 'unknown',
      width: Number(p.videoEncoderConfiguration?.resolution.width ?? 0),
      height: Number(p.videoEncoderConfiguration?.resolution.height ?? 0),
      fps: Number(p.videoEncoderConfiguration?.rateControl?.frameRateLimit ?? 0),
    }));
    if (profiles.length === 0) throw new Error(`ONVIF ${this.endpoint.deviceService}: camera has no media profile`);
    const { main, sub } = pickStreams(profiles);
    const streamUri = await this.streamUri(main.token);
    // Without the substream the camera is still recorded and shown (tiles then use the main stream).
    const substream = sub
      ? await this.streamUri(sub.token).then(
          (uri) => ({ profile: sub.token, uri }),
          (err: Error) => err,
        )
      : null;
    const presets = await this.presets(main.token);
    return {
      manufacturer: String(info.manufacturer ?? ''),
      model: String(info.model ?? ''),
      firmware: String(info.firmwareVersion ?? ''),
      serial: String(info.serialNumber ?? ''),
      profiles,
      mainProfile: main.token,
      streamUri,
      ...(substream instanceof Error
        ? { substream: null, substreamError: `GetStreamUri ${sub!.token}: ${substream.message}` }
        : { substream }),
      presets,
      clockDriftMs: await this.clockDrift(),
    };
  }

  /** A profile's RTSP stream URI (GetStreamUri). */
  async streamUri(profileToken: string): Promise<string> {
    const stream = await call<{ uri: string }>((cb) => this.cam.getStreamUri({ protocol: 'RTSP', profileToken }, cb));
    return stream.uri;
  }

  /** PTZ presets; an empty list when the camera has no PTZ service. */
  async presets(profileToken: string): Promise<{ token: string; name: string }[]> {
    try {
      const byName = await call<Record<string, { $: { token: string }; name: string }>>((cb) =>
        this.cam.getPresets({ profileToken }, cb),
      );
      return Object.values(byName).map((p) => ({ token: p.$.token, name: String(p.name) }));
    } catch {
      return [];
    }
  }

  async gotoPreset(profileToken: string, preset: string): Promise<void> {
    await call((cb) => this.cam.gotoPreset({ profileToken, preset }, cb));
  }

  /** Camera clock minus host clock, measured around one GetSystemDateAndTime round trip. */
  async clockDrift(): Promise<number> {
    const before = Date.now();
    const cameraTime = await call<Date>((cb) => this.cam.getSystemDateAndTime(cb));
    const mid = (before + Date.now()) / 2;
    return cameraTime.getTime() - mid;
  }
}

/** Codecs the live view can pass through without transcoding (MJPEG/MPEG-4 profiles are no substream). */
const LIVE_CODECS = new Set(['H264', 'H265']);

/**
 * Main and substream among a camera's profiles, as NVRs choose them: main is the largest resolution (the first
 * of equals, cameras list main first); sub is the smallest H.264/H.265 profile smaller than main, or null.
 */
export function pickStreams(profiles: CameraProfile[]): { main: CameraProfile; sub: CameraProfile | null } {
  const area = (p: CameraProfile) => p.width * p.height;
  const main = profiles.reduce((best, p) => (area(p) > area(best) ? p : best));
  const sub = profiles
    .filter((p) => area(p) < area(main) && LIVE_CODECS.has(p.encoding))
    .reduce<CameraProfile | null>((best, p) => (!best || area(p) < area(best) ? p : best), null);
  return { main, sub };
}

/** One WS-Discovery ProbeMatch: the device's service addresses and its ONVIF scopes (name, hardware…). */
export interface DiscoveredDevice {
  xaddr: string;
  /** The `onvif://www.onvif.org/name/…` scope, decoded; null when the device announces none. */
  name: string | null;
  /** The `onvif://www.onvif.org/hardware/…` scope, decoded. */
  hardware: string | null;
}

/**
 * WS-Discovery Probe sent unicast to one address (the `onvif` package's Discovery only multicasts, which this
 * sandbox and many segmented camera VLANs cannot do). Returns one entry per device-service XAddr that answered.
 */
export async function probeCameras(host: string, port: number, waitMs = 500): Promise<DiscoveredDevice[]> {
  const socket = createSocket('udp4');
  const found = new Map<string, DiscoveredDevice>();
  socket.on('message', (msg) => {
    const text = msg.toString('utf8');
    const scopes = /Scopes>([^<]*)</.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
    const scope = (kind: string) => {
      const prefix = `onvif://www.onvif.org/${kind}/`;
      const hit = scopes.find((s) => s.startsWith(prefix));
      return hit ? decodeURIComponent(hit.slice(prefix.length)) : null;
    };
    const xaddrs = /XAddrs>([^<]+)</.exec(text)?.[1];
    for (const xaddr of xaddrs?.trim().split(/\s+/) ?? [])
      found.set(xaddr, { xaddr, name: scope('name'), hardware: scope('hardware') });
  });
  // A loopback target is probed from loopback; a camera network from whichever interface routes to it.
  await new Promise<void>((ok) => socket.bind(0, host.startsWith('127.') ? '127.0.0.1' : undefined, ok));
  const probe =
    '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ' +
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" ' +
    'xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header>' +
    `<a:MessageID>uuid:${randomUUID()}</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>` +
    '<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header>' +
    '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>';
  socket.send(Buffer.from(probe), port, host);
  await new Promise((r) => setTimeout(r, waitMs));
  socket.close();
  return [...found.values()];
}
