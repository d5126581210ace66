/**
 * The alarm chime, synthesised with WebAudio (no audio file to ship). Browsers allow sound only after a user
 * gesture: `unlockSound()` runs in the sign-in click, so the wall screen rings for the rest of the shift.
 */
let context: AudioContext | null = null;

export function unlockSound(): void {
  context ??= new AudioContext();
  void context.resume();
}

/** Rings once per alarm; more urgent levels ring more times and higher. Returns whether sound could play. */
export function playAlarmSound(level: 1 | 2 | 3): boolean {
  if (context?.state !== 'running') return false;
  const start = context.currentTime;
  for (let i = 0; i < level; i++) {
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.type = 'square';
    osc.frequency.value = 660 + 220 * level;
    gain.gain.setValueAtTime(0.0001, start + i * 0.35);
    gain.gain.exponentialRampToValueAtTime(0.25, start + i * 0.35 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.35 + 0.3);
    osc.connect(gain).connect(context.destination);
    osc.start(start + i * 0.35);
    osc.stop(start + i * 0.35 + 0.32);
  }
  return true;
}

/** An intercom call ringing at this console: a soft two-tone ring, unlike the alarm's square beeps. */
export function playRing(): boolean {
  if (context?.state !== 'running') return false;
  const start = context.currentTime;
  [480, 620].forEach((hz, i) => {
    const osc = context!.createOscillator();
    const gain = context!.createGain();
    osc.frequency.value = hz;
    gain.gain.setValueAtTime(0.0001, start + i * 0.4);
    gain.gain.exponentialRampToValueAtTime(0.2, start + i * 0.4 + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.4 + 0.38);
    osc.connect(gain).connect(context!.destination);
    osc.start(start + i * 0.4);
    osc.stop(start + i * 0.4 + 0.4);
  });
  return true;
}
