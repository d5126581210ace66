// The city hub's own check of what venues upload, independent of the venue's allow-list: names, ID
// numbers, photos, face templates, base64 images and raw coordinates must never arrive.

/** Field names that carry personal data the hub must not hold. */
const FORBIDDEN_KEYS: { pattern: RegExp; what: string }[] = [
  { pattern: /name/i, what: 'a name' },
  { pattern: /^(id|identity)[-_]?(number|no|card|num)|idcard|citizen|passport|身份证|姓名/i, what: 'an ID number' },
  { pattern: /photo|image|picture|portrait|snapshot|jpeg|png/i, what: 'a photo' },
  { pattern: /template|embedding|feature[-_]?vector|biometric|^face([-_]?(data|crop|image))?$/i, what: 'face data' },
  {
    pattern: /^(x|y|z|lat|lng|lon|latitude|longitude|coords?|coordinates|position|positions|point|trajectory)$/i,
    what: 'a raw position',
  },
  { pattern: /phone|mobile|address|email/i, what: 'contact details' },
];

/** Values that are personal data whatever their field is called. */
const FORBIDDEN_VALUES: { pattern: RegExp; what: string }[] = [
  { pattern: /^data:image\//i, what: 'a data-URL image' },
  { pattern: /^(\/9j\/|iVBORw0KGgo|R0lGOD|UklGR)/, what: 'a base64 image (JPEG/PNG/GIF/WebP)' },
  { pattern: /^[A-Za-z0-9+/]{200,}={0,2}$/, what: 'a long base64 blob' },
  {
    pattern: /(?<![0-9A-Za-z])[1-9]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/,
    what: 'a resident ID number',
  },
  { pattern: /(?<!\d)1[3-9]\d{9}(?!\d)/, what: 'a mobile number' },
  { pattern: /[\u4e00-\u9fff]{2,4}/, what: 'Chinese text (possibly a name)' },
];

/** One test per key and per string value; the individual patterns run only to name what matched. */
const anyOf = (list: { pattern: RegExp }[]) => new RegExp(list.map((p) => `(?:${p.pattern.source})`).join('|'), 'i');
const ANY_FORBIDDEN_KEY = anyOf(FORBIDDEN_KEYS);
const ANY_FORBIDDEN_VALUE = anyOf(FORBIDDEN_VALUES);

/** Chain fields and signatures are hex/base64 by design and are not scanned as values. */
const OPAQUE_KEYS = new Set(['hash', 'prevHash', 'lastHash', 'bodyDigest', 'signature', 'keyId']);

/** Fields whose Chinese text is produced by the venue from fixed tables, never from people. */
const FIXED_TEXT_KEYS = new Set(['alarmContent']);

export interface Violation {
  path: string;
  what: string;
}

/** Every forbidden field or value in an uploaded document, with its path. */
export function scanForbidden(value: unknown, path = '$'): Violation[] {
  const found: Violation[] = [];
  walk(value, path, found, null);
  return found;
}

function walk(value: unknown, path: string, found: Violation[], key: string | null): void {
  if (typeof value === 'string') {
    if ((key !== null && OPAQUE_KEYS.has(key)) || !ANY_FORBIDDEN_VALUE.test(value)) return;
    for (const { pattern, what } of FORBIDDEN_VALUES) {
      if (what.startsWith('Chinese') && key !== null && FIXED_TEXT_KEYS.has(key)) continue;
      if (pattern.test(value)) found.push({ path, what });
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`, found, key);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (ANY_FORBIDDEN_KEY.test(k))
      for (const { pattern, what } of FORBIDDEN_KEYS) if (pattern.test(k)) found.push({ path: `${path}.${k}`, what });
    walk(v, `${path}.${k}`, found, k);
  }
}
