import { createSocket } from 'node:dgram';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import type { VenueRuntime } from '../app/start-venue.ts';
import type { Board } from '../devices/display/contract.ts';
import { PCMU, PCMU_FRAME, pcmuPayload, RtpStream } from '../devices/intercom/rtp.ts';
import { pcmuSdp, sdpAudioAddress } from '../devices/intercom/sdp.ts';
import type { DeviceSimulator } from '../simulators/device-simulator.ts';
import { DisplaySimulator } from '../simulators/display/display-simulator.ts';
import { IntercomStationSimulator } from '../simulators/intercom/station-simulator.ts';
import { eventually, simulatorFor, startTestVenue, testVenue } from '../test/venue-harness.ts';
import type { BenchRow } from './types.ts';

const ROUNDS = 40;
const PACKETS = 150;

/** A packet numbered in its first four payload bytes, so the far end can tell which one arrived when. */
function numbered(i: number): Buffer {
  const payload = Buffer.alloc(PCMU_FRAME, 0xff);
  payload.writeUInt32BE(i);
  return payload;
}

/**
 * One answered call with both media legs driven by the bench: a bare RTP socket as the station (signalling
 * through a device simulator) and a werift peer as the console page. Measures the edge's relay in each
 * direction, packet by packet: the payloads are numbered, and arrive unchanged because nothing transcodes.
 */
async function relayLatency(edge: VenueRuntime, station: DeviceSimulator, callId: string) {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  let edgeRtp: { host: string; port: number } | null = null;
  station.handle('connected', async (args) => {
    edgeRtp = sdpAudioAddress(String(args.media));
    await station.event('media', { callId, sdp: pcmuSdp('127.0.0.1', socket.address().port, station.id) });
  });
  await edge.services.intercom.answer('console-1', callId);
  const toStation = new RtpStream();
  const keepAlive = setInterval(() => {
    // A station sends continuously while a call is up; silence would end the call.
    if (edgeRtp) socket.send(toStation.packet(numbered(0xffffffff)).serialize(), edgeRtp.port, edgeRtp.host);
  }, 20);

  const pc = new RTCPeerConnection({
    codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, payloadType: PCMU })] },
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
  });
  const mic = new MediaStreamTrack({ kind: 'audio' });
  pc.addTransceiver(mic, { direction: 'sendrecv' });
  const sentAt = { station: new Map<number, number>(), console: new Map<number, number>() };
  const latency = { stationToConsole: [] as number[], consoleToStation: [] as number[] };
  pc.onTrack.subscribe((track) =>
    track.onReceiveRtp.subscribe((rtp) => {
      const sent = sentAt.station.get(rtp.payload.readUInt32BE(0));
      if (sent !== undefined) latency.stationToConsole.push(performance.now() - sent);
    }),
  );
  socket.on('message', (datagram) => {
    const sent = sentAt.console.get(pcmuPayload(datagram)?.readUInt32BE(0) ?? -1);
    if (sent !== undefined) latency.consoleToStation.push(performance.now() - sent);
  });
  try {
    await pc.setLocalDescription(await pc.createOffer());
    if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((s) => s === 'complete', 5000);
    const answer = await edge.services.intercom.joinAudio(callId, 'console-1', pc.localDescription!.sdp);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await pc.connectionStateChange.watch((s) => s === 'connected', 10_000);
    clearInterval(keepAlive);
    const fromConsole = new RtpStream();
    for (let i = 0; i < PACKETS; i++) {
      sentAt.station.set(i, performance.now());
      socket.send(toStation.packet(numbered(i)).serialize(), edgeRtp!.port, edgeRtp!.host);
      sentAt.console.set(i, performance.now());
      mic.writeRtp(fromConsole.packet(numbered(i)));
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    return { ...latency, sent: PACKETS };
  } finally {
    clearInterval(keepAlive);
    await pc.close();
    socket.close();
  }
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

/**
 * Session change → room board showing it (through the real broker and display simulator), and station call
 * button → call queued at the console, each measured over ROUNDS repetitions; then one call's audio relay
 * through the edge (station RTP ⇄ console WebRTC) packet by packet.
 */
export async function run(): Promise<BenchRow[]> {
  const edge = await startTestVenue({ venue: testVenue('jincheng') });
  const sim = (id: string, kind: 'display' | 'intercom') => {
    const identity = { venue: edge.venue.id, kind, id, password: edge.deviceCredential(id) };
    const options = { brokerUrl: edge.bus.deviceUrl, heartbeatS: 5 };
    return kind === 'display'
      ? new DisplaySimulator(identity, options)
      : new IntercomStationSimulator(identity, options);
  };
  const board = sim('board-room-1', 'display') as DisplaySimulator;
  const station = sim('ic-room-1', 'intercom') as IntercomStationSimulator;
  try {
    await Promise.all([board.connect(), station.connect()]);
    const { sessions, intercom } = edge.services;
    const now = Date.now();
    sessions.importSchedule(
      [
        {
          id: 'B1',
          transactionCode: 'B-1',
          project: { code: 'P-B1', name: 'bench' },
          room: 'room-1',
          start: now,
          end: now + 3_600_000,
          experts: [{ pseudonym: 'EXP-B' }],
        },
      ],
      { source: 'bench' },
    );
    sessions.transition('B1', 'checkin-open', { by: 'bench' });
    sessions.transition('B1', 'in-progress', { by: 'bench' });
    await eventually(
      () => board.board?.rooms[0]?.state,
      (s) => s === 'evaluating',
    );

    const boardMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const to = i % 2 === 0 ? 'suspended' : 'in-progress';
      const want = to === 'suspended' ? 'paused' : 'evaluating';
      // Timed to the moment the display receives the content command, not to a polling interval.
      const shown = new Promise<void>((resolve) => {
        const onCommand = (name: string, args: Record<string, unknown>) => {
          if (name !== 'content' || (args.board as Board).rooms[0]?.state !== want) return;
          board.off('command', onCommand);
          resolve();
        };
        board.on('command', onCommand);
      });
      const t = performance.now();
      sessions.transition('B1', to, { by: 'bench' });
      await shown;
      boardMs.push(performance.now() - t);
    }

    const callMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const queued = new Promise<string>((resolve) => {
        intercom.once('changed', (call) => resolve(call.id));
      });
      const t = performance.now();
      const callId = await station.call();
      if ((await queued) !== callId) throw new Error('another call was queued');
      callMs.push(performance.now() - t);
      await intercom.hangup(callId, 'console-1');
    }

    // The audio relay: a bare RTP station in room 2 calls, the bench's WebRTC peer answers as the console.
    const bareStation = simulatorFor(edge, 'ic-room-2', 5);
    await bareStation.connect();
    const queued = new Promise<string>((resolve) => intercom.once('changed', (call) => resolve(call.id)));
    await bareStation.event('call', { callId: 'bench-audio' });
    const audio = await relayLatency(edge, bareStation, await queued);
    await intercom.hangup('bench-audio', 'console-1');
    await bareStation.stop();
    const lost = (ms: number[]) => audio.sent - ms.length;
    return [
      {
        area: 'displays',
        metric: 'session change → room board shows it, p50',
        value: percentile(boardMs, 50),
        unit: 'ms',
      },
      {
        area: 'displays',
        metric: 'session change → room board shows it, p99',
        value: percentile(boardMs, 99),
        unit: 'ms',
      },
      { area: 'intercom', metric: 'call button → queued at console, p50', value: percentile(callMs, 50), unit: 'ms' },
      { area: 'intercom', metric: 'call button → queued at console, p99', value: percentile(callMs, 99), unit: 'ms' },
      ...(['stationToConsole', 'consoleToStation'] as const).flatMap((direction) => {
        const label =
          direction === 'stationToConsole' ? 'station RTP → console WebRTC' : 'console WebRTC → station RTP';
        const ms = audio[direction];
        return [
          { area: 'intercom', metric: `audio relay ${label}, p50`, value: percentile(ms, 50), unit: 'ms' },
          { area: 'intercom', metric: `audio relay ${label}, p99`, value: percentile(ms, 99), unit: 'ms' },
          { area: 'intercom', metric: `audio relay ${label}, packets lost`, value: lost(ms), unit: `of ${audio.sent}` },
        ];
      }),
    ];
  } finally {
    await board.stop();
    await station.stop();
    await edge.stop();
  }
}
