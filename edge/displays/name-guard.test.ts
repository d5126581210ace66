import { describe, expect, it } from 'vitest';
import { NameGuard } from './name-guard.ts';
import { renderNotice } from './notice-templates.ts';

/** Masked whole: one ＊ per character of the text. */
const WHOLE = null;
const guard = new NameGuard({ allNames: () => ['张三', '欧阳娜娜', 'Li Lei', '王'] });

describe('names in free text', () => {
  // [text, names found, text as masked]
  const cases: [string, string[], string | null][] = [
    ['请专家张三到见证室', ['张三'], '请专家＊＊到见证室'],
    ['请专家 张 三 到见证室', ['张三'], WHOLE], // spaced out: cannot be cut out, so masked whole
    ['请专家张·三到见证室', ['张三'], WHOLE],
    ['请专家张\u200b三到见证室', ['张三'], WHOLE],
    ['欧阳娜娜故居修缮工程', ['欧阳娜娜'], '＊＊＊＊故居修缮工程'],
    ['LI-LEI school gym', ['Li Lei'], WHOLE],
    ['ＬｉＬｅｉ', ['Li Lei'], WHOLE], // full-width letters read as ASCII
    ['王家庄道路工程', [], '王家庄道路工程'], // one character is no name
    ['请3号座专家到见证室', [], '请3号座专家到见证室'],
  ];
  for (const [text, names, masked] of cases)
    it(`${JSON.stringify(text)} → ${names.join(', ') || 'no name'}`, () => {
      expect(guard.namesIn(text)).toEqual(names);
      expect(guard.mask(text)).toBe(masked ?? '＊'.repeat([...text].length));
    });

  it('without a name source nothing is found', () => {
    expect(new NameGuard().namesIn('张三')).toEqual([]);
  });
});

describe('notice templates', () => {
  const seats = ['s1', 's2', 's3'];
  const cases: [string, Record<string, string | number>, string[] | null, string][] = [
    ['to-witness-room', { seat: 's3' }, seats, '请3号座专家到见证室'],
    ['to-witness-room', { seat: 2 }, seats, '请2号座专家到见证室'],
    ['to-witness-room-by-pseudonym', { pseudonym: 'E-0042' }, seats, '请专家E-0042到见证室'],
    ['break', { minutes: 15 }, null, '休息15分钟，请勿离开评标区'],
    ['to-witness-room', { seat: 's9' }, seats, 'params/seat: "s9" is not a seat of the room (s1, s2, s3)'],
    ['to-witness-room', { seat: 's1' }, null, 'params/seat: a seat number needs a room as target'],
    ['to-witness-room', {}, seats, 'params/seat: template to-witness-room needs it'],
    ['to-witness-room', { seat: 's1', name: '张三' }, seats, 'params/name: template to-witness-room takes seat'],
    [
      'to-witness-room-by-pseudonym',
      { pseudonym: '张三' },
      seats,
      'params/pseudonym: a pseudonym is letters, digits, - and _ (at most 32)',
    ],
    [
      'call-by-name',
      {},
      seats,
      'template: "call-by-name" is not one of to-witness-room, to-witness-room-by-pseudonym, back-to-room, session-starting, break',
    ],
  ];
  for (const [template, params, target, expected] of cases)
    it(`${template} ${JSON.stringify(params)} → ${expected}`, () => {
      const out = renderNotice(template, params, target);
      expect('error' in out ? out.error : out.text).toBe(expected);
    });
});
