import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Credentials a simulated camera accepts: HTTP digest (RFC 7616, MD5) or WS-Security UsernameToken. */
export interface CameraCredentials {
  username: string;
  password: string;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sameText = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** HTTP digest: the realm and nonce the camera hands out in its 401 challenge. */
export class DigestRealm {
  readonly realm: string;
  private readonly nonces = new Set<string>();

  constructor(realm: string) {
    this.realm = realm;
  }

  challenge(): string {
    const nonce = randomBytes(16).toString('hex');
    this.nonces.add(nonce);
    if (this.nonces.size > 1000) this.nonces.delete(this.nonces.values().next().value as string);
    return `Digest realm="${this.realm}", qop="auth", nonce="${nonce}", algorithm=MD5`;
  }

  /** True when the Authorization header carries a valid digest answer for a nonce this camera issued. */
  verify(header: string | undefined, method: string, creds: CameraCredentials): boolean {
    if (!header?.startsWith('Digest ')) return false;
    const p: Record<string, string> = {};
    for (const m of header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) p[m[1]!] = m[2] ?? m[3] ?? '';
    if (p.username !== creds.username || !p.nonce || !this.nonces.has(p.nonce) || !p.uri || !p.response) return false;
    const ha1 = md5(`${creds.username}:${this.realm}:${creds.password}`);
    const ha2 = md5(`${method}:${p.uri}`);
    const expected = p.qop
      ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`)
      : md5(`${ha1}:${p.nonce}:${ha2}`);
    return sameText(expected, p.response);
  }
}

const tag = (xml: string, name: string) =>
  new RegExp(`<(?:\\w+:)?${name}\\b[^>]*>([^<]*)</(?:\\w+:)?${name}>`).exec(xml)?.[1]?.trim();

/**
 * WS-Security UsernameToken (ONVIF Core §5.12): PasswordDigest = Base64(SHA-1(nonce + created + password)).
 * Plain-text passwords are accepted too, as real cameras do. Tokens older than 5 minutes are refused.
 */
export function verifyUsernameToken(soap: string, creds: CameraCredentials, now = Date.now()): boolean {
  if (!/UsernameToken/.test(soap)) return false;
  const username = tag(soap, 'Username');
  const password = tag(soap, 'Password');
  if (username !== creds.username || password === undefined) return false;
  if (/PasswordText/.test(soap)) return sameText(password, creds.password);
  const nonce = tag(soap, 'Nonce');
  const created = tag(soap, 'Created');
  if (!nonce || !created) return false;
  const age = Math.abs(now - Date.parse(created));
  if (!(age < 5 * 60_000)) return false;
  const digest = createHash('sha1')
    .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created + creds.password, 'utf8')]))
    .digest('base64');
  return sameText(digest, password);
}
