/**
 * SOAP 1.2 answers of a simulated ONVIF Profile S camera (device, media and PTZ services), written from the
 * ONVIF WSDLs (ver10 device/media/ptz, ver10/schema). Only what a recorder needs; anything else is a SOAP
 * fault `ter:ActionNotSupported`, as real cameras answer.
 */

export interface SimulatedCameraInfo {
  id: string;
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  /** http://127.0.0.1:port/<id> — services live under it. */
  baseUrl: string;
  /** The main profile's stream. */
  rtspUrl: string;
  width: number;
  height: number;
  fps: number;
  /** The second profile (a smaller, cheaper stream for live grids), when the camera serves one. */
  substream?: SimulatedSubstream;
  /**
   * The main profile's encoding. Media1's schema (ver10 tt:VideoEncoding) lists only JPEG, MPEG4 and H264;
   * H.265 belongs to Media2 (Profile T), which this simulator does not serve, so an H.265 camera says H265 in
   * Media1's Encoding element and leaves out the H264 settings.
   */
  encoding: 'H264' | 'H265';
  presets: { token: string; name: string }[];
  /** Milliseconds this camera's clock runs ahead of the host's (negative: behind), for time-sync checks. */
  clockSkewMs: number;
}

export interface SimulatedSubstream {
  rtspUrl: string;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
}

const NS =
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" ' +
  'xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" ' +
  'xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:ter="http://www.onvif.org/ver10/error"';

export const envelope = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${NS}><s:Body>${body}</s:Body></s:Envelope>`;

export const fault = (subcode: string, reason: string) =>
  envelope(
    `<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${reason}</s:Text></s:Reason></s:Fault>`,
  );

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function dateTime(at: Date): string {
  return (
    `<tt:Time><tt:Hour>${at.getUTCHours()}</tt:Hour><tt:Minute>${at.getUTCMinutes()}</tt:Minute>` +
    `<tt:Second>${at.getUTCSeconds()}</tt:Second></tt:Time><tt:Date><tt:Year>${at.getUTCFullYear()}</tt:Year>` +
    `<tt:Month>${at.getUTCMonth() + 1}</tt:Month><tt:Day>${at.getUTCDate()}</tt:Day></tt:Date>`
  );
}

/** The main profile (token `main`) and, when the camera has one, the substream's (token `sub`), as cameras list them. */
const profiles = (c: SimulatedCameraInfo) =>
  profile(c, { token: 'main', name: 'mainStream', width: c.width, height: c.height, fps: c.fps, bitrateKbps: 2048 }) +
  (c.substream ? profile(c, { token: 'sub', name: 'subStream', ...c.substream }) : '');

const profile = (
  c: SimulatedCameraInfo,
  p: { token: string; name: string; width: number; height: number; fps: number; bitrateKbps: number },
) =>
  `<trt:Profiles token="${p.token}" fixed="true"><tt:Name>${p.name}</tt:Name>` +
  // Both profiles encode the same sensor (video source); only the encoder configuration differs.
  `<tt:VideoSourceConfiguration token="vsc"><tt:Name>vsc</tt:Name><tt:UseCount>${c.substream ? 2 : 1}</tt:UseCount>` +
  `<tt:SourceToken>vs0</tt:SourceToken><tt:Bounds x="0" y="0" width="${c.width}" height="${c.height}"/></tt:VideoSourceConfiguration>` +
  `<tt:VideoEncoderConfiguration token="vec-${p.token}"><tt:Name>vec-${p.token}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>${c.encoding}</tt:Encoding>` +
  `<tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>` +
  `<tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
  `<tt:BitrateLimit>${p.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
  (c.encoding === 'H264'
    ? `<tt:H264><tt:GovLength>${p.fps}</tt:GovLength><tt:H264Profile>High</tt:H264Profile></tt:H264>`
    : '') +
  `<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>` +
  `<tt:PTZConfiguration token="ptz"><tt:Name>ptz</tt:Name><tt:UseCount>1</tt:UseCount><tt:NodeToken>ptznode</tt:NodeToken></tt:PTZConfiguration>` +
  `</trt:Profiles>`;

const mediaUri = (uri: string) =>
  `<tt:Uri>${xmlEscape(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
  `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>`;

/** Operations that answer without authentication (ONVIF Core §5.9.4.3: PRE_AUTH). */
export const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetServices', 'GetCapabilities']);

/** The operation a SOAP request calls: the first element inside Body. */
export function soapOperation(xml: string): string | undefined {
  return /<(?:\w+:)?Body\b[^>]*>\s*<(?:\w+:)?(\w+)/.exec(xml)?.[1];
}

/** Answers one operation; `state` carries what PTZ changes. Returns undefined for unknown operations. */
export function answer(
  op: string,
  request: string,
  c: SimulatedCameraInfo,
  state: { preset: string | null },
): string | undefined {
  const device = `${c.baseUrl}/onvif/device_service`;
  const media = `${c.baseUrl}/onvif/media_service`;
  const ptz = `${c.baseUrl}/onvif/ptz_service`;
  switch (op) {
    case 'GetSystemDateAndTime':
      return envelope(
        `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>` +
          `<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone>` +
          `<tt:UTCDateTime>${dateTime(new Date(Date.now() + c.clockSkewMs))}</tt:UTCDateTime>` +
          `</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
      );
    case 'GetDeviceInformation':
      return envelope(
        `<tds:GetDeviceInformationResponse><tds:Manufacturer>${xmlEscape(c.manufacturer)}</tds:Manufacturer>` +
          `<tds:Model>${xmlEscape(c.model)}</tds:Model><tds:FirmwareVersion>${c.firmware}</tds:FirmwareVersion>` +
          `<tds:SerialNumber>${c.serial}</tds:SerialNumber><tds:HardwareId>${xmlEscape(c.id)}</tds:HardwareId>` +
          `</tds:GetDeviceInformationResponse>`,
      );
    case 'GetCapabilities':
      return envelope(
        `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
          `<tt:Device><tt:XAddr>${device}</tt:XAddr><tt:System><tt:DiscoveryResolve>true</tt:DiscoveryResolve>` +
          `<tt:DiscoveryBye>true</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup>` +
          `<tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>` +
          `<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System></tt:Device>` +
          `<tt:Media><tt:XAddr>${media}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
          `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
          `<tt:PTZ><tt:XAddr>${ptz}</tt:XAddr></tt:PTZ>` +
          `</tds:Capabilities></tds:GetCapabilitiesResponse>`,
      );
    case 'GetServices': {
      const service = (ns: string, addr: string, major: number) =>
        `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${addr}</tds:XAddr>` +
        `<tds:Version><tt:Major>${major}</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`;
      return envelope(
        `<tds:GetServicesResponse>${service('http://www.onvif.org/ver10/device/wsdl', device, 2)}` +
          `${service('http://www.onvif.org/ver10/media/wsdl', media, 2)}` +
          `${service('http://www.onvif.org/ver20/ptz/wsdl', ptz, 2)}</tds:GetServicesResponse>`,
      );
    }
    case 'GetScopes':
      return envelope(
        `<tds:GetScopesResponse><tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>onvif://www.onvif.org/Profile/Streaming</tt:ScopeItem></tds:Scopes>` +
          `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>onvif://www.onvif.org/name/${c.id}</tt:ScopeItem></tds:Scopes></tds:GetScopesResponse>`,
      );
    case 'GetProfiles':
      return envelope(`<trt:GetProfilesResponse>${profiles(c)}</trt:GetProfilesResponse>`);
    case 'GetVideoSources':
      return envelope(
        `<trt:GetVideoSourcesResponse><trt:VideoSources token="vs0"><tt:Framerate>${c.fps}</tt:Framerate>` +
          `<tt:Resolution><tt:Width>${c.width}</tt:Width><tt:Height>${c.height}</tt:Height></tt:Resolution>` +
          `</trt:VideoSources></trt:GetVideoSourcesResponse>`,
      );
    case 'GetStreamUri': {
      // Each profile has its own stream; a request without a token gets the main one.
      const token = /ProfileToken>([^<]*)</.exec(request)?.[1] ?? 'main';
      const uri = token === 'main' ? c.rtspUrl : token === 'sub' ? c.substream?.rtspUrl : undefined;
      if (!uri) return fault('ter:InvalidArgVal', `no profile ${xmlEscape(token)}`);
      return envelope(
        `<trt:GetStreamUriResponse><trt:MediaUri>${mediaUri(uri)}</trt:MediaUri></trt:GetStreamUriResponse>`,
      );
    }
    case 'GetSnapshotUri':
      return envelope(
        `<trt:GetSnapshotUriResponse><trt:MediaUri>${mediaUri(`${c.baseUrl}/snapshot.jpg`)}</trt:MediaUri></trt:GetSnapshotUriResponse>`,
      );
    case 'GetPresets':
      return envelope(
        `<tptz:GetPresetsResponse>${c.presets
          .map((p) => `<tptz:Preset token="${p.token}"><tt:Name>${xmlEscape(p.name)}</tt:Name></tptz:Preset>`)
          .join('')}</tptz:GetPresetsResponse>`,
      );
    case 'GotoPreset': {
      const token = /PresetToken>([^<]+)</.exec(request)?.[1];
      if (!c.presets.some((p) => p.token === token)) return fault('ter:InvalidArgVal', `no preset ${token}`);
      state.preset = token ?? null;
      return envelope('<tptz:GotoPresetResponse/>');
    }
    default:
      return undefined;
  }
}
