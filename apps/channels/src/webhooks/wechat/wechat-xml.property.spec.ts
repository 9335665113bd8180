import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import { MESSAGE_TEXT_MAX, PROVIDER_ID_MAX } from '@journey/contracts';
import { isSafeText, parseInput } from '@journey/platform';
import { buildWechatXml, MalformedXml, parseWechatXml, wechatFieldsSchema } from './wechat-xml';

// WeChat's XML, for any body: read into flat string fields or refused as malformed (never another error,
// which would be a 500 and WeChat retrying); the fields the schema then takes fit what the events made of
// them hold (text, identity, provider id, action key, media reference), anything longer is a 400; and a
// message written as WeChat writes it (strings as CDATA, numbers as text) reads back field for field,
// Chinese text, XML's special characters and a "]]>" inside CDATA included.

/** A character XML 1.0 allows in text (tab and newline the only C0 controls; carriage returns are normalised). */
const inXml = (ch: string) => {
  const c = ch.codePointAt(0) ?? 0;
  return (c >= 0x20 || c === 0x09 || c === 0x0a) && c !== 0xfffe && c !== 0xffff;
};

/** Parsed and taken by the schema as the webhook does, or refused: malformed XML or a 400. */
function readOrRefused(body: string): Record<string, string> | 'refused' {
  let flat: Record<string, string>;
  try {
    flat = parseWechatXml(body);
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedXml);
    expect((err as Error).message.length).toBeGreaterThan(0);
    return 'refused';
  }
  for (const [k, v] of Object.entries(flat)) expect([k, typeof v]).toEqual([k, 'string']);
  try {
    return parseInput(wechatFieldsSchema, flat, 'XML') as Record<string, string>;
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestException);
    expect((err as BadRequestException).getStatus()).toBe(400);
    return 'refused';
  }
}

/** What the events made of the fields hold (channels.message-received.v1 and its identity, action, attachment). */
function expectWithinContract(f: Record<string, string>) {
  const within = (value: string | undefined, max: number) => value === undefined || value.length <= max;
  expect(within(f['FromUserName'], 320)).toBe(true); // the identity's value
  expect(within(f['MsgId'], PROVIDER_ID_MAX) && within(f['MsgID'], PROVIDER_ID_MAX)).toBe(true);
  expect(within(f['Content'], MESSAGE_TEXT_MAX) && within(f['Recognition'], MESSAGE_TEXT_MAX)).toBe(true);
  expect(within(f['EventKey'], 256)).toBe(true); // customerAction.key
  expect(within(f['PicUrl'], 2048)).toBe(true); // an attachment's reference
  expect(within(f['Format'] === undefined ? undefined : `audio/${f['Format']}`, 255)).toBe(true); // its content type
  // A location or a link becomes text of a few fields.
  const place = `📍 ${f['Label'] ?? ''} (${f['Location_X'] ?? '?'}, ${f['Location_Y'] ?? '?'})`;
  expect(
    within(place, MESSAGE_TEXT_MAX) && within(`${f['Title'] ?? ''} ${f['Url'] ?? ''}`, MESSAGE_TEXT_MAX),
  ).toBe(true);
  for (const v of Object.values(f)) expect(isSafeText(v)).toBe(true);
}

const NAMES = [
  'ToUserName',
  'FromUserName',
  'CreateTime',
  'MsgType',
  'Content',
  'MsgId',
  'Event',
  'EventKey',
  'MediaId',
  'PicUrl',
  'Format',
  'Recognition',
  'Label',
  'Encrypt',
] as const;
const name = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NAMES) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('a', 'xml', 'Content:x', '1st', 'constructor', '__proto__', 'toString'),
  },
);
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '你好，订单在哪？',
    'a &amp; b',
    '&lt;x&gt;',
    '&#x4F60;',
    '&nope;',
    '<',
    '>',
    ']]>',
    '\'"',
    '\r\n',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
/** Elements as WeChat writes them, and as nobody should: nested, unclosed, with attributes, DTDs, comments. */
const element: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
  el: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(name, text).map(([n, t]) => `<${n}>${t}</${n}>`),
    fc.tuple(name, text).map(([n, t]) => `<${n}><![CDATA[${t}]]></${n}>`),
    fc
      .tuple(name, fc.array(tie('el'), { maxLength: 3 }))
      .map(([n, inner]) => `<${n}>${inner.join('')}</${n}>`),
    fc.constantFrom(
      '<A x="1">v</A>',
      '<A>',
      '</A>',
      '<!-- c -->',
      '<?pi x?>',
      '<!DOCTYPE xml>',
      '<!ENTITY e "x">',
      '<![CDATA[x]]>',
    ),
    text,
  ),
})).el;
const body = fc.oneof(
  { weight: 4, arbitrary: fc.array(element, { maxLength: 8 }).map((els) => `<xml>${els.join('')}</xml>`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>', ' ', '\ufeff'),
        fc.array(element, { maxLength: 4 }),
      )
      .map(([prolog, els]) => `${prolog}${els.join('')}`),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

describe('WeChat XML, for any body', () => {
  it('is read into flat fields within the bounds of their events, or refused as malformed or with a 400', () => {
    let taken = 0;
    fc.assert(
      fc.property(body, (b) => {
        const fields = readOrRefused(b);
        if (fields === 'refused') return;
        taken += 1;
        expectWithinContract(fields);
      }),
      { numRuns: 1000 },
    );
    expect(taken).toBeGreaterThan(100); // the property reached the fields, not only the refusals
  });

  it('refuses a field one character past its bound with a 400', () => {
    const bounds: [string, number][] = [
      ['FromUserName', 128],
      ['MsgId', 100],
      ['EventKey', 256],
      ['Content', MESSAGE_TEXT_MAX],
      ['PicUrl', 2048],
      ['Label', 2048],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...bounds), fc.boolean(), ([field, max], over) => {
        const xml = buildWechatXml({
          FromUserName: 'o-1',
          MsgType: 'text',
          [field]: '长'.repeat(over ? max + 1 : max),
        });
        const read = readOrRefused(xml);
        expect(read === 'refused').toBe(over);
      }),
      { numRuns: 50 },
    );
  });

  it('reads back every field of a message written as WeChat writes it, Chinese and XML special characters included', () => {
    const xmlText = fc
      .oneof(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.constantFrom(
          '你好，我的订单还没到',
          '<b>bold</b> & "quoted" \'single\'',
          'a]]>b]]]]>c',
          '&amp; &#20320; &lt;',
        ),
        fc
          .array(fc.constantFrom('<', '>', '&', ']]>', '你', '\t', '\n', ' ', 'x'), { maxLength: 20 })
          .map((a) => a.join('')),
      )
      .filter((t) => isSafeText(t) && Array.from(t).every(inXml));
    const message = fc.record(
      {
        ToUserName: fc.constant('gh_123456789abc'),
        FromUserName: fc.stringMatching(/^o[A-Za-z0-9_-]{27}$/),
        CreateTime: fc.integer({ min: 1, max: 4_000_000_000 }),
        MsgType: fc.constantFrom('text', 'event', 'image'),
        Content: xmlText,
        MsgId: fc.bigInt({ min: 1n, max: 2n ** 63n }).map(String),
        Event: fc.constantFrom('subscribe', 'CLICK'),
        EventKey: xmlText,
        Label: xmlText,
      },
      { requiredKeys: ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType'] },
    );
    fc.assert(
      fc.property(message, (m) => {
        const fields = Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as Record<
          string,
          string | number
        >;
        const read = readOrRefused(buildWechatXml(fields));
        expect(read).toEqual(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])));
      }),
      { numRuns: 500 },
    );
  });

  it('reads a safe-mode envelope of any ciphertext, however long, as its Encrypt field', () => {
    // The envelope is read as it is (its fields are bounded once decrypted, not before).
    fc.assert(
      fc.property(
        fc.base64String({ minLength: 4, maxLength: 60_000 }),
        fc.constantFrom('gh_1', '原始ID'),
        (encrypted, to) => {
          expect(parseWechatXml(buildWechatXml({ ToUserName: to, Encrypt: encrypted }))).toEqual({
            ToUserName: to,
            Encrypt: encrypted,
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
