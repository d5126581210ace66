import { describe, expect, it } from 'vitest';
import { scanForbidden } from '../../city/forbidden-scan.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { AlarmEngine } from '../alerts/alarms.ts';
import { openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { type HistoricEvent, writeHistory } from '../store/history-fixture.ts';
import { loadOrCreateVenueKey } from './keys.ts';
import { toUpstream, UPLOAD_RULES } from './upstream-projection.ts';
import { bodyDigest } from './wire.ts';

const JPEG = `/9j/4AAQSkZJRgABAQ${'A'.repeat(400)}`;
const TEMPLATE = Buffer.alloc(512, 7).toString('base64');

/**
 * What careless or hostile modules might have put in the record: every kind of data that must never go up. The
 * catalogue now refuses it at append; a record can still hold it from before, so it is written as history.
 */
const hostile: HistoricEvent[] = [
  {
    type: 'checkin.accepted',
    session: 'S1',
    actor: 'E-7731',
    method: 'id-card+face',
    subject: 'E-7731',
    data: {
      pseudonym: 'E-7731',
      seat: 'r1-s1',
      badge: 'badge-12',
      locker: { bank: 'locker-a', compartment: 4 },
      verifiedBy: '王建国',
      expertName: '张三',
      idNumber: '140502198803150012',
      idPhoto: JPEG,
      faceTemplate: TEMPLATE,
      capture: `data:image/jpeg;base64,${JPEG}`,
    },
  },
  // A Chinese name where a pseudonym should be: dropped by the value check, not uploaded.
  { type: 'checkin.refused', actor: '李四', data: { pseudonym: '李四', reason: 'no-authorisation', photo: JPEG } },
  { type: 'tracking.position', subject: 'badge-12', data: { badge: 'badge-12', x: 12.5, y: 3.25, floor: 'f3' } },
  {
    type: 'tracking.zone-entered',
    session: 'S1',
    actor: 'E-7731',
    subject: 'badge-12',
    data: {
      zone: 'room-1',
      zoneType: 'evaluation-room',
      badge: 'badge-12',
      person: 'E-7731',
      enteredAt: 1,
      x: 1,
      y: 2,
    },
  },
  { type: 'face.template-enrolled', actor: 'E-7731', data: { template: TEMPLATE, name: '张三' } },
  {
    type: 'session.scheduled',
    session: 'S1',
    actor: 'admin-wangjianguo',
    data: {
      transactionCode: 'JC-2024-0001',
      project: { code: 'P-17', name: '晋城市某道路工程施工招标' },
      room: 'room-1',
      start: 1_700_000_000_000,
      end: 1_700_010_000_000,
      remote: null,
      source: 'platform',
      experts: [{ pseudonym: 'E-7731', name: '张三' }],
    },
  },
  {
    type: 'session.experts-authorised',
    session: 'S1',
    actor: 'platform',
    data: { experts: [{ pseudonym: 'E-7731', seat: 'r1-s1', name: '张三', phone: '13912345678' }] },
  },
  {
    type: 'session.state-changed',
    session: 'S1',
    actor: 'witness-liu',
    data: { from: 'checkin-open', to: 'in-progress', reason: '张三专家迟到，刘见证人批准开始' },
  },
  {
    type: 'access.granted',
    session: 'S1',
    actor: 'E-7731',
    method: 'id-card',
    subject: 'door-room-1',
    data: {
      device: 'door-room-1',
      door: 'door-room-1',
      direction: 'in',
      credential: { type: 'id-card', value: '140502198803150012' },
      personKind: 'expert',
      reason: 'session-room',
      reasonZh: '本项目评标室',
    },
  },
  {
    type: 'intercom.call-started',
    session: 'S1',
    actor: 'station-room-1',
    subject: 'call-1',
    data: { callId: 'call-1', room: 'room-1', station: 'station-room-1', direction: 'from-room', console: 'console-1' },
  },
  {
    type: 'intercom.call-ended',
    session: 'S1',
    actor: 'witness-liu',
    subject: 'call-1',
    data: { callId: 'call-1', reason: '张三专家要求暂停', answered: true, durationS: 42 },
  },
  {
    type: 'intercom.recording',
    session: 'S1',
    subject: 'call-1',
    data: {
      callId: 'call-1',
      file: 'calls/call-1.ogg',
      bytes: 1000,
      sha256: 'ab'.repeat(32),
      seconds: 42,
      codec: 'opus',
      channels: ['station', 'console'],
    },
  },
  {
    type: 'sessions.imported',
    actor: 'platform',
    data: { source: 'platform', created: ['S1'], rejected: [{ error: '张三 is not a pseudonym' }] },
  },
];

function projectAll(inputs: HistoricEvent[]) {
  const dir = tempDir();
  const db = openDatabase(`${dir}/halledge.db`);
  new EventLog(db, 'jincheng'); // creates the table
  writeHistory(db, 'jincheng', inputs);
  const log = new EventLog(db, 'jincheng');
  const alarms = new AlarmEngine(log);
  const key = loadOrCreateVenueKey(dir);
  alarms.raise({
    kind: 'left-zone',
    level: 2,
    subject: 'E-7731',
    session: 'S1',
    details: { zone: 'eval-zone', expertName: '张三', x: 3.5, y: 9, photo: JPEG, note: '张三从东侧门离开' },
  });
  alarms.acknowledge(alarms.list()[0]!.id, 'witness-liu', '已电话联系张三');
  const events = log.query({ limit: 1000 });
  return { events, key, up: events.map((e) => toUpstream(e, key.pseudonymise)) };
}

describe('what goes up', () => {
  it('uploads no name, ID number, photo, face template, base64 image or coordinate', () => {
    const { up } = projectAll(hostile);
    expect(scanForbidden(up)).toEqual([]);
    // The same scan finds every one of them in the unfiltered record, so it is not blind.
    const found = new Set(scanForbidden(hostile).map((v) => v.what));
    for (const what of [
      'a name',
      'an ID number',
      'a photo',
      'face data',
      'a raw position',
      'a base64 image (JPEG/PNG/GIF/WebP)',
      'a data-URL image',
      'a resident ID number',
      'a mobile number',
      'Chinese text (possibly a name)',
      'a long base64 blob',
    ])
      expect(found, what).toContain(what);
  });

  it('keeps the pseudonymous facts the platform needs', () => {
    const { up, key } = projectAll(hostile);
    const byType = Object.fromEntries(up.map((e) => [e.type, e]));
    expect(byType['checkin.accepted']).toMatchObject({
      session: 'S1',
      actor: 'E-7731',
      method: 'id-card+face',
      body: { pseudonym: 'E-7731', seat: 'r1-s1', badge: 'badge-12', locker: { bank: 'locker-a', compartment: 4 } },
    });
    expect(Object.keys(byType['checkin.accepted']!.body!).sort()).toEqual(['badge', 'locker', 'pseudonym', 'seat']);
    expect(byType['checkin.refused']).toMatchObject({ actor: null, body: { reason: 'no-authorisation' } });
    expect(byType['tracking.zone-entered']!.body).toEqual({
      zone: 'room-1',
      zoneType: 'evaluation-room',
      badge: 'badge-12',
      person: 'E-7731',
      enteredAt: 1,
    });
    expect(byType['session.scheduled']!.body).toEqual({
      transactionCode: 'JC-2024-0001',
      project: { code: 'P-17' },
      room: 'room-1',
      start: 1_700_000_000_000,
      end: 1_700_010_000_000,
      remote: null,
      source: 'platform',
    });
    expect(byType['session.experts-authorised']!.body).toEqual({ experts: [{ pseudonym: 'E-7731', seat: 'r1-s1' }] });
    expect(byType['session.state-changed']!.body).toEqual({ from: 'checkin-open', to: 'in-progress' });
    expect(byType['sessions.imported']!.body).toEqual({ source: 'platform', created: ['S1'], rejected: 1 });
    // Console users go up as a stable keyed pseudonym; platform and system as they are.
    expect(byType['session.state-changed']!.actor).toBe(key.pseudonymise('witness-liu'));
    expect(byType['session.state-changed']!.actor).toMatch(/^p-[0-9a-f]{16}$/);
    expect(byType['session.experts-authorised']!.actor).toBe('platform');
    // Calls: ids, direction and outcome; never the free-text reason, nor the recording.
    expect(byType['intercom.call-started']!.body).toEqual({
      callId: 'call-1',
      room: 'room-1',
      station: 'station-room-1',
      direction: 'from-room',
      console: 'console-1',
    });
    expect(byType['intercom.call-ended']).toMatchObject({
      session: 'S1',
      actor: key.pseudonymise('witness-liu'),
      body: { callId: 'call-1', answered: true, durationS: 42 },
    });
    expect(byType['intercom.recording']!.body).toBeNull();
    expect(byType['access.granted']!.body).toEqual({
      device: 'door-room-1',
      door: 'door-room-1',
      direction: 'in',
      personKind: 'expert',
      reason: 'session-room',
    });
  });

  it('withholds every field of a type not on the allow-list, keeping its place in the chain', () => {
    const { up, events } = projectAll(hostile);
    for (const type of ['tracking.position', 'face.template-enrolled']) {
      expect(UPLOAD_RULES[type]).toBeUndefined();
      const e = up.find((u) => u.type === type)!;
      const local = events.find((l) => l.seq === e.seq)!;
      expect(e).toMatchObject({ session: null, subject: null, actor: null, method: null, body: null });
      expect([e.prevHash, e.hash]).toEqual([local.prevHash, local.hash]);
    }
  });

  it('maps alarms to the project-alarm record (报警等级 from ALARM_LEVELS) without their free text', () => {
    const { up } = projectAll(hostile);
    const raised = up.find((e) => e.type === 'alarm.raised')!;
    expect(raised.body).toEqual({
      projectAlarm: {
        alarmCode: expect.stringMatching(/^[0-9a-f-]{36}$/),
        alarmTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/),
        alarmLevel: '2',
        alarmType: '01',
        alarmKind: 'left-zone',
        alarmContent: '评标期间专家离开评标区（eval-zone）',
        handleState: '0',
      },
    });
    const acknowledged = up.find((e) => e.type === 'alarm.acknowledged')!;
    expect(acknowledged.body).toEqual({ alarmId: (raised.body as any).projectAlarm.alarmCode, handleState: '1' });
  });

  it('digests the redacted view, so any change to an uploaded event shows', () => {
    const { up } = projectAll(hostile);
    for (const e of up) expect(bodyDigest(e)).toBe(e.bodyDigest);
    const changed = { ...up[0]!, body: { ...up[0]!.body, seat: 'r1-s2' } };
    expect(bodyDigest(changed)).not.toBe(up[0]!.bodyDigest);
    // Key order does not matter (canonical JSON), content does.
    const reordered = { ...up[0]!, body: Object.fromEntries(Object.entries(up[0]!.body!).reverse()) };
    expect(bodyDigest(reordered)).toBe(up[0]!.bodyDigest);
  });
});

describe('record anchors upstream', () => {
  it('an acknowledged loss goes up with its size, never the administrator’s reason', () => {
    const event = {
      seq: 9,
      venue: 'jincheng',
      at: 1,
      type: 'record.loss-acknowledged',
      session: null,
      actor: 'admin-wang',
      method: 'console-login',
      subject: 'record',
      data: {
        reason: '王工：磁盘故障后从备份恢复',
        loss: 'behind',
        eventsMissing: 10,
        anchor: { size: 100, headHash: 'ab'.repeat(32), source: 'checkpoint' },
        log: { headSeq: 90, hashAtAnchor: null },
      },
      prevHash: '0'.repeat(64),
      hash: '1'.repeat(64),
    };
    const up = toUpstream(event, (id) => `p-${id.length}`);
    expect(up.body).toEqual({
      loss: 'behind',
      eventsMissing: 10,
      anchor: { size: 100, source: 'checkpoint' },
      log: { headSeq: 90 },
    });
    expect(up.actor).toBe('p-10');
  });
});
