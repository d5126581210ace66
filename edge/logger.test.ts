import { describe, expect, it } from 'vitest';
import { edgeLogger } from './logger.ts';

describe('edge logger', () => {
  it('censors passwords, tokens, keys and request credentials wherever a log line carries them', () => {
    const lines: string[] = [];
    const logger = edgeLogger({ level: 'info' }, { write: (line: string) => lines.push(line) });
    logger.info({ password: 'hunter2', user: { token: 'tok-1', name: 'w1' }, secret: 's3' }, 'signed in');
    logger.error({ req: { headers: { authorization: 'Bearer tok-2', cookie: 'halledge_session=tok-3' } } }, 'failed');
    const text = lines.join('');
    for (const secret of ['hunter2', 'tok-1', 'tok-2', 'tok-3', 's3']) expect(text).not.toContain(secret);
    expect(text).toContain('"name":"w1"');
    expect(text.match(/\[redacted\]/g)).toHaveLength(5);
  });
});
