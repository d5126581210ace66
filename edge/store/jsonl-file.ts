import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One line of an append-only JSONL file as read back: its value, or why it could not be parsed. */
export type JsonlLine = { line: number; value: unknown; error?: undefined } | { line: number; error: string };

/** Every line of a JSONL file (none if the file does not exist); a blank last line is not a line. */
export function readJsonl(file: string): JsonlLine[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw, i) => {
    try {
      return { line: i + 1, value: JSON.parse(raw) as unknown };
    } catch (err) {
      return { line: i + 1, error: `not JSON: ${(err as Error).message}` };
    }
  });
}

/**
 * An append-only JSONL file outside the database: opened for appending only, each line written and fsynced
 * before append() resolves, appends in call order. A crash can leave at most a torn last line, which readers
 * report and skip.
 */
export class JsonlAppender {
  private handle: Promise<FileHandle> | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  append(value: unknown): Promise<void> {
    const text = `${JSON.stringify(value)}\n`;
    const done = this.queue.then(async () => {
      const handle = await this.open();
      await handle.appendFile(text, 'utf8');
      await handle.datasync();
    });
    // A failed write must not stop the ones after it; the caller sees its own failure.
    this.queue = done.catch(() => {});
    return done;
  }

  private open(): Promise<FileHandle> {
    if (!this.handle) {
      mkdirSync(dirname(this.file), { recursive: true });
      this.handle = open(this.file, 'a', 0o600);
    }
    return this.handle;
  }

  async close(): Promise<void> {
    await this.queue;
    const handle = this.handle;
    this.handle = null;
    await (await handle)?.close();
  }
}
