import { describe, expect, it } from 'vitest';
import { mayReplay } from './footage-replay.ts';

describe('who may replay a session', () => {
  const session = {
    staff: [
      { id: 'WIT-ZHAO', role: 'witness' as const },
      { id: 'AG-1', role: 'agent' as const },
    ],
  };
  it.each([
    ['an auditor, any session', { role: 'auditor', username: 'li' }, true],
    ['an administrator, any session', { role: 'administrator', username: 'admin' }, true],
    ['a witness of the session', { role: 'witness', username: 'WIT-ZHAO' }, true],
    ['a witness of another session', { role: 'witness', username: 'WIT-QIAN' }, false],
    ['a witness whose name is only another staff member’s role', { role: 'witness', username: 'witness' }, false],
  ])('%s: %s', (_what, viewer, allowed) => {
    expect(mayReplay(session, viewer)).toBe(allowed);
  });
});
