import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { type EdgeTls, loadOrCreateVenueCa, loadOrIssueServerCert } from './venue-ca.ts';

/** Where the edge's server certificate comes from: the venue CA (default) or files the administrator provides. */
export interface TlsSettings {
  /** Host names and addresses the venue CA's server certificate names; the machine's own when not given. */
  hosts?: string[];
  /** A certificate chain and key the administrator provides (PEM files), used instead of the venue CA's. */
  certFile?: string;
  keyFile?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
export const isLoopback = (host: string) => LOOPBACK.test(host);

/** The names a browser or device may reach the edge by, when none are configured. */
export function defaultTlsHosts(bindHosts: string[]): string[] {
  const wildcard = (h: string) => h === '0.0.0.0' || h === '::';
  return [...new Set(['localhost', '127.0.0.1', '::1', hostname(), ...bindHosts.filter((h) => !wildcard(h))])];
}

/**
 * The edge's TLS material: the server certificate and key (provided, or issued by the venue CA) and the venue
 * CA's certificate, which device client certificates must chain to.
 */
export async function edgeTls(
  keysDir: string,
  venue: string,
  settings: TlsSettings,
  bindHosts: string[],
): Promise<EdgeTls> {
  const ca = await loadOrCreateVenueCa(keysDir, venue);
  if (settings.certFile || settings.keyFile) {
    if (!settings.certFile || !settings.keyFile)
      throw new Error('TLS: give both the certificate file and the key file');
    return { cert: readFileSync(settings.certFile, 'utf8'), key: readFileSync(settings.keyFile, 'utf8'), ca: ca.cert };
  }
  const server = await loadOrIssueServerCert(keysDir, ca, settings.hosts ?? defaultTlsHosts(bindHosts));
  return { ...server, ca: ca.cert };
}
