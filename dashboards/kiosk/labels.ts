// What the kiosk says to the expert: places by the names people use, messages without the English half, camera
// failures in Chinese. Pure, so that the page and its tests share them.

/** `s3` (or `3`) → 3号座, as the console and the room boards' notices call a seat; another id stays as it is. */
export function seatName(seat: string): string {
  const n = /^s?(\d+)$/i.exec(seat)?.[1];
  return n ? `${Number(n)}号座` : seat;
}

/** A phone-locker compartment by its bank's name in the venue file: 手机柜 第5格. */
export function lockerName(locker: { bank: string; compartment: number }, banks: Record<string, string>): string {
  return `${banks[locker.bank] ?? '手机柜'} 第${locker.compartment}格`;
}

/** A location badge by the number printed on it: `badge-07` → 7号; another id stays as it is. */
export function badgeName(badge: string): string {
  const n = /^[a-z-]*?(\d+)$/i.exec(badge)?.[1];
  return n ? `${Number(n)}号` : badge;
}

/** The edge's messages are `中文 · English` where they carry both: the kiosk shows and speaks the Chinese. */
export function chineseOnly(message: string): string {
  return message.split(' · ')[0]!.trim();
}

/** getUserMedia failures (the browser's English, e.g. "Requested device not found") as the expert should read them. */
export function cameraProblem(err: unknown): string {
  const name = (err as { name?: string } | null)?.name;
  switch (name) {
    case 'NotFoundError':
    case 'OverconstrainedError':
      return '未找到摄像头';
    case 'NotAllowedError':
    case 'SecurityError':
      return '摄像头未获授权';
    case 'NotReadableError':
    case 'AbortError':
      return '摄像头被占用或故障';
    default:
      return '摄像头无法打开';
  }
}
