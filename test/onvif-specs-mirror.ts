import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

/**
 * Serves a checkout of the official onvif/specs repository (its `wsdl/` folder) on 127.0.0.1, laid out as
 * https://www.onvif.org/ serves it (/ver10/device/wsdl/devicemgmt.wsdl …), so a SOAP server that imports the ONVIF
 * WSDLs works offline. onvif.xsd itself imports four W3C/OASIS schemas that are not in that repository; their
 * imports are pointed at the minimal stand-ins below, which declare just the names onvif.xsd refers to.
 */
const ANY = '<xs:sequence><xs:any minOccurs="0" maxOccurs="unbounded" processContents="lax"/></xs:sequence>';
const STANDINS: Record<string, { location: string; xsd: string }> = {
  'xmlmime.xsd': {
    location: 'www.w3.org/2005/05/xmlmime',
    xsd: schema(
      'http://www.w3.org/2005/05/xmlmime',
      '<xs:attribute name="contentType" type="xs:string"/><xs:attribute name="expectedContentTypes" type="xs:string"/>',
    ),
  },
  'soap-envelope.xsd': {
    location: 'www.w3.org/2003/05/soap-envelope',
    xsd: schema(
      'http://www.w3.org/2003/05/soap-envelope',
      '<xs:element name="Envelope" type="xs:anyType"/><xs:element name="Fault" type="xs:anyType"/>',
    ),
  },
  'wsn-b-2.xsd': {
    location: 'docs.oasis-open.org/wsn/b-2.xsd',
    xsd: schema(
      'http://docs.oasis-open.org/wsn/b-2',
      `<xs:complexType name="FilterType">${ANY}</xs:complexType>` +
        `<xs:complexType name="NotificationMessageHolderType">${ANY}</xs:complexType>`,
    ),
  },
  'xop-include.xsd': {
    location: 'www.w3.org/2004/08/xop/include',
    xsd: schema('http://www.w3.org/2004/08/xop/include', '<xs:element name="Include" type="xs:anyType"/>'),
  },
};

function schema(ns: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="${ns}" elementFormDefault="qualified">${body}</xs:schema>`;
}

/** An import location on onvif.org: `location="https://www.onvif.org/` or `schemaLocation="http://…`. */
export const ONVIF_LOCATION = /((?:schema)?[Ll]ocation)="https?:\/\/www\.onvif\.org\//g;

export async function serveOnvifSpecs(specsDir: string) {
  let requests = 0;
  const root = join(specsDir, 'wsdl');
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const standin = path.startsWith('/standins/') ? STANDINS[path.slice('/standins/'.length)] : undefined;
    const text = standin ? Promise.resolve(standin.xsd) : readFile(join(root, path), 'utf8');
    text.then(
      (xml) => {
        requests++;
        // Only import locations are rewritten: namespace names (http://www.onvif.org/ver10/schema) stay.
        let out = xml.replaceAll(ONVIF_LOCATION, `$1="${url}/`);
        for (const [name, s] of Object.entries(STANDINS))
          out = out.replace(
            new RegExp(`schemaLocation="https?://${s.location}"`),
            `schemaLocation="${url}/standins/${name}"`,
          );
        res.writeHead(200, { 'content-type': 'text/xml' }).end(out);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests: () => requests,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
