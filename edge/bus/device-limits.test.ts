import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { parseDeviceTopic } from '../../devices/topics.ts';
import type { BusIdentity } from './acl.ts';
import { clientIdOf, DEFAULT_BUS_LIMITS, MessageRate, rateWait, retainDenial } from './device-limits.ts';
import { PacketSizeGuard, PacketTooLarge } from './packet-limit.ts';

const gate: BusIdentity = { role: 'device', venue: 'qinshui', kind: 'gate', deviceId: 'gate-exit' };
const prefix = 'hall/qinshui/gate/gate-exit';
const deny = (topic: string, retain: boolean, payloadBytes: number) =>
  retainDenial(DEFAULT_BUS_LIMITS, gate, { topic, retain, payloadBytes });

describe('device bus limits', () => {
  it.each([
    { topic: `${prefix}/state`, retain: true, bytes: 100, denial: null },
    { topic: `${prefix}/status`, retain: true, bytes: 0, denial: null },
    { topic: `${prefix}/event/pass-request`, retain: false, bytes: 100, denial: null },
    {
      topic: `${prefix}/event/pass-request`,
      retain: true,
      bytes: 100,
      denial: 'only status and state are retained, not event',
    },
    {
      topic: `${prefix}/heartbeat`,
      retain: true,
      bytes: 10,
      denial: 'only status and state are retained, not heartbeat',
    },
    {
      topic: `${prefix}/state`,
      retain: true,
      bytes: 16 * 1024 + 1,
      denial: 'retained payload of 16385 bytes is over 16384',
    },
  ])('$topic retained=$retain ($bytes bytes): $denial', ({ topic, retain, bytes, denial }) => {
    expect(deny(topic, retain, bytes)).toBe(denial);
  });

  it('refuses a topic with NUL or any other character outside the topic grammar', () => {
    for (const level of ['pass\u0000request', 'pass\nrequest', 'Pass', 'pass request', '定位'])
      expect(parseDeviceTopic(`${prefix}/event/${level}`)).toEqual({ error: expect.stringMatching(/^topic level /) });
    expect(parseDeviceTopic(`${prefix}/event/pass-request`)).not.toHaveProperty('error');
  });

  it('lets a burst through, then holds each message for its token, and refuses only a device a burst ahead', () => {
    const rate = new MessageRate();
    const { messagesPerSecond, burst } = DEFAULT_BUS_LIMITS.rates.default;
    const wait = (now: number) => rateWait(DEFAULT_BUS_LIMITS, rate, gate, now);
    for (let i = 0; i < burst; i++) expect(wait(1000)).toEqual({ waitMs: 0 });
    // Over the burst: each next message waits one more token's time (5 ms at 200/s).
    expect(wait(1000)).toEqual({ waitMs: 1000 / messagesPerSecond });
    expect(wait(1000)).toEqual({ waitMs: 2000 / messagesPerSecond });
    // 10 ms later two tokens came back, both already promised: the next still waits its turn.
    expect(wait(1010)).toEqual({ waitMs: 1000 / messagesPerSecond });
    // A device a whole burst ahead of its tokens is refused; once the promised tokens are paid back and one more
    // has come, it sends at once again.
    for (let i = 0; i < burst - 1; i++) expect(wait(1010)).toHaveProperty('waitMs');
    expect(wait(1010)).toEqual({ refused: `over ${messagesPerSecond} messages/s by more than a burst of ${burst}` });
    expect(wait(1010 + ((burst + 1) * 1000) / messagesPerSecond)).toEqual({ waitMs: 0 });
  });

  it('never holds the edge itself', () => {
    const rate = new MessageRate();
    for (let i = 0; i < 1000; i++)
      expect(rateWait(DEFAULT_BUS_LIMITS, rate, { role: 'edge', venue: 'qinshui' }, 0)).toEqual({ waitMs: 0 });
  });

  it('binds the client id to the credential', () => {
    expect(clientIdOf(gate)).toBe('gate-exit');
    expect(clientIdOf({ role: 'edge', venue: 'qinshui' })).toBe('halledge-edge-qinshui');
  });
});

describe('MQTT packet size guard', () => {
  const publish = (bytes: number) =>
    mqttPacket.generate({
      cmd: 'publish',
      topic: 't',
      payload: Buffer.alloc(bytes),
      qos: 0,
      retain: false,
      dup: false,
    });

  it('passes packets up to the limit however the stream splits them, and refuses the first one over it', () => {
    const guard = new PacketSizeGuard(() => 200);
    const stream = Buffer.concat([publish(10), publish(194), mqttPacket.generate({ cmd: 'pingreq' }), publish(150)]);
    expect(publish(194).length).toBe(200); // exactly the limit
    // One byte at a time: headers split across chunks are followed too.
    for (const byte of stream) guard.check(Buffer.of(byte));
    expect(() => guard.check(publish(300))).toThrow(new PacketTooLarge('packet of 306 bytes is over 200'));
  });

  it('refuses from the header alone, before the body arrives', () => {
    const guard = new PacketSizeGuard(() => 1024 * 1024);
    // PUBLISH announcing 256 MB - 1 (0xff 0xff 0xff 0x7f), nothing after it.
    expect(() => guard.check(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]))).toThrow(/268435460 bytes is over 1048576/);
    expect(() => new PacketSizeGuard(() => 1e9).check(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff]))).toThrow(
      'malformed remaining length',
    );
  });
});
