import { signal } from '@preact/signals';

/** The clock timers render from, ticking once a second. */
export const now = signal(Date.now());
setInterval(() => {
  now.value = Date.now();
}, 1000);
