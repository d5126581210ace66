/**
 * Experts' real names, confidential until the result is final. They are kept apart from the record, encrypted
 * (hall-server/auth/expert-names.ts); the composition root hands them to the guards through this port.
 */
export interface ConfidentialNames {
  allNames(): Iterable<string>;
}

/**
 * Text as a reader sees it: full-width folded (NFKC), lower case, without spaces, punctuation, symbols or
 * invisible characters — so "张 三", "张·三" and "张\u200b三" all read 张三.
 */
const readAs = (text: string): string =>
  text
    .normalize('NFKC')
    .replace(/[\s\p{P}\p{S}\p{Cf}]/gu, '')
    .toLowerCase();

/** One-character names would match half the dictionary; the shortest Chinese full name has two. */
const MIN_NAME_LENGTH = 2;

/**
 * Finds confidential names in free text (notices, project names) before it is sent or shown. Every check reads
 * the names afresh, so a name entered a moment ago is already guarded.
 */
export class NameGuard {
  constructor(private readonly source: ConfidentialNames | null = null) {}

  /** The names (as stored) that the text carries, however they are spaced or punctuated. */
  namesIn(text: string): string[] {
    if (!this.source) return [];
    const read = readAs(text);
    const found: string[] = [];
    for (const name of this.source.allNames()) {
      const n = readAs(name);
      if (n.length >= MIN_NAME_LENGTH && read.includes(n)) found.push(name);
    }
    return found;
  }

  /**
   * The text with every name it carries masked, one ＊ per character; text that carries a name in a form that
   * cannot be cut out (spaced or punctuated) is masked whole.
   */
  mask(text: string): string {
    const names = this.namesIn(text);
    if (!names.length) return text;
    let masked = text;
    for (const name of names) masked = masked.split(name).join('＊'.repeat([...name].length));
    return this.namesIn(masked).length ? '＊'.repeat([...text].length) : masked;
  }
}
