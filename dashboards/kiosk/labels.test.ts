import { expect, it } from 'vitest';
import { badgeName, cameraProblem, chineseOnly, lockerName, seatName } from './labels.ts';

it('names seats and lockers as people call them, keeps the Chinese of a message, and camera failures in Chinese', () => {
  const cases: [string, string][] = [
    [seatName('s2'), '2号座'],
    [seatName('S12'), '12号座'],
    [seatName('7'), '7号座'],
    [seatName('window-a'), 'window-a'],
    [lockerName({ bank: 'locker-bank-1', compartment: 3 }, { 'locker-bank-1': '手机柜' }), '手机柜 第3格'],
    [lockerName({ bank: 'locker-bank-9', compartment: 12 }, {}), '手机柜 第12格'],
    [badgeName('badge-07'), '7号'],
    [badgeName('UWB12'), '12号'],
    [badgeName('tag-a'), 'tag-a'],
    [chineseOnly('核验过于频繁，请稍后再试 · too many check-in attempts (x)'), '核验过于频繁，请稍后再试'],
    [chineseOnly('人脸与身份证照片不一致，请联系见证人'), '人脸与身份证照片不一致，请联系见证人'],
    [cameraProblem(new DOMException('Requested device not found', 'NotFoundError')), '未找到摄像头'],
    [cameraProblem(new DOMException('Permission denied', 'NotAllowedError')), '摄像头未获授权'],
    [cameraProblem(new Error('whatever')), '摄像头无法打开'],
  ];
  for (const [got, expected] of cases) expect(got).toBe(expected);
});
