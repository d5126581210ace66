import canonicalize from 'canonicalize';

/**
 * What can enter the record unchanged. A string goes to SQLite as UTF-8 and comes back decoded: a lone UTF-16
 * surrogate (`"x\ud800y"`) has no UTF-8 form, so what would be read back is not what was hashed. Control
 * characters hide text from whoever reads the record. A non-finite number has no JSON form (`1e999` parses to
 * Infinity, which JSON writes as null). Line breaks and tabs are allowed in content (a witness's reason, an
 * intercom station's SDP) but not in the event's own names and ids (`strict`).
 */
export function contentProblem(value: unknown, path: string, strict = false): string | null {
  const at = path || '/';
  switch (typeof value) {
    case 'string': {
      const problem = stringProblem(value, strict);
      return problem && `${at}: ${problem}`;
    }
    case 'number':
      return Number.isFinite(value) ? null : `${at}: not a finite number`;
    case 'bigint':
      return `${at}: not a JSON number (bigint)`;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = contentProblem(value[i], `${path}/${i}`, strict);
          if (problem) return problem;
        }
        return null;
      }
      for (const [key, v] of Object.entries(value)) {
        const keyPath = `${path}/${pointerToken(key)}`;
        const keyProblem = stringProblem(key, strict);
        if (keyProblem) return `${keyPath}: field name: ${keyProblem}`;
        const problem = contentProblem(v, keyPath, strict);
        if (problem) return problem;
      }
      return null;
    }
    default:
      return null;
  }
}

function stringProblem(text: string, strict: boolean): string | null {
  if (LONE_SURROGATE.test(text)) return 'not well-formed Unicode (lone surrogate)';
  if ((strict ? NAME_CONTROL : CONTENT_CONTROL).test(text)) return 'control character';
  return null;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one (UTF-16 code units).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// C0 controls, DEL and C1 controls (names and ids); content also takes TAB, LF and CR.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NAME_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTENT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** A JSON Pointer token (RFC 6901), made printable: a field name that cannot enter the record is shown escaped. */
function pointerToken(key: string): string {
  const token = key.replaceAll('~', '~0').replaceAll('/', '~1');
  return stringProblem(key, true) ? JSON.stringify(token).slice(1, -1) : token;
}

/** A string that can be recorded whatever it held: itself, or its JSON escape when it cannot enter the record. */
export function recordable(text: string): string {
  return stringProblem(text, true) ? JSON.stringify(text).slice(1, -1) : text;
}

/** RFC 8785 (JSON Canonicalization Scheme): sorted keys, ES number form; the text the record stores and hashes. */
export function canonicalJson(value: unknown): string {
  return canonicalize(value) ?? 'null';
}
