import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { MESSAGE_TEXT_MAX } from '@journey/contracts';

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
  let doc: { xml?: Record<string, unknown> };
  try {
    doc = parser.parse(body) as { xml?: Record<string, unknown> };
  } catch (err) {
    // The validator passes what the parser then refuses, such as elements nested past its depth limit.
    throw new MalformedXml((err as Error).message);
  }
  if (!doc.xml || typeof doc.xml !== 'object') throw new MalformedXml('the root element must be <xml>');
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.xml))
    if (typeof v === 'string' || typeof v === 'number') flat[k] = String(v);
  return flat;
}

const field = (max: number) => z.string().max(max).optional();

/**
 * The fields of a WeChat message as the platform records them, bounded so that every event made
 * from them fits its contract (WeChat's own are far shorter: an openid is 28 characters).
 */
export const wechatFieldsSchema = z
  .object({
    FromUserName: field(128),
    MsgType: field(32),
    CreateTime: field(20),
    MsgId: field(100),
    MsgID: field(100),
    Event: field(64),
    EventKey: field(256),
    Content: field(MESSAGE_TEXT_MAX),
    MediaId: field(1024),
    PicUrl: field(2048),
    Format: field(32),
  })
  .catchall(z.string().max(2048));

/** Builds <xml>…</xml> with string fields as CDATA and numbers as text, as WeChat expects. */
export function buildWechatXml(fields: Record<string, string | number>): string {
  const xml: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) xml[k] = typeof v === 'number' ? v : { __cdata: v };
  return builder.build({ xml }) as string;
}
