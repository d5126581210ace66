/** A text label to place on the map: wanted centre, its size in map units. */
export interface LabelWant {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const overlaps = (a: Box, b: Box) =>
  Math.abs(a.x - b.x) * 2 < a.width + b.width && Math.abs(a.y - b.y) * 2 < a.height + b.height;

/**
 * Places labels so they do not overlap each other or the boxes already taken (doors, devices): each in the order
 * given (more important first) at its wanted place, else the nearest free place stepping down and up by half a
 * line, up to `maxSteps` lines away; a label that finds none keeps its wanted place (it is never hidden).
 */
export function placeLabels(wants: readonly LabelWant[], taken: readonly Box[] = [], maxSteps = 4): Map<string, Box> {
  const placed = new Map<string, Box>();
  const boxes: Box[] = [...taken];
  for (const want of wants) {
    const shifts = [0];
    for (let i = 1; i <= maxSteps * 2; i++) shifts.push((i * want.height) / 2, (-i * want.height) / 2);
    const box =
      shifts.map((dy) => ({ ...want, y: want.y + dy })).find((b) => !boxes.some((o) => overlaps(b, o))) ?? want;
    const chosen = { x: box.x, y: box.y, width: want.width, height: want.height };
    placed.set(want.id, chosen);
    boxes.push(chosen);
  }
  return placed;
}

/** The width of a label in em: CJK characters are one em, Latin ones about 0.6. */
export function textWidthEm(text: string): number {
  let em = 0;
  for (const ch of text) em += /[\u2e80-\uffff]/.test(ch) ? 1 : 0.6;
  return em;
}
