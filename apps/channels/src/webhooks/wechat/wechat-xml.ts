import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

export class MalformedXml extends Error {
  override name = 'MalformedXml';
}

const parser = new XMLParser({
  parseTagValue: false,
  trimValues: true,
  processEntities: false,
  ignoreDeclaration: true,
});
const builder = new XMLBuilder({ cdataPropName: '__cdata', format: false });

/** Parses the flat <xml>…</xml> documents WeChat sends; no DTDs (WeChat never sends one). */
export function parseWechatXml(body: string): Record<string, string> {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new MalformedXml('DTDs and entities are not accepted');
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new MalformedXml(`${valid.err.msg} (line ${valid.err.line})`);
  const doc = parser.parse(body) as { xml?: Record<string, unknown> };
  if (!doc.xml || typeof doc.xml !== 'object') throw new MalformedXml('the root element must be <xml>');
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.xml))
    if (typeof v === 'string' || typeof v === 'number') flat[k] = String(v);
  return flat;
}

/** Builds <xml>…</xml> with string fields as CDATA and numbers as text, as WeChat expects. */
export function buildWechatXml(fields: Record<string, string | number>): string {
  const xml: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) xml[k] = typeof v === 'number' ? v : { __cdata: v };
  return builder.build({ xml }) as string;
}
