import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import { journeyCatalogue, MESSAGE_TEXT_MAX } from '@journey/contracts';
import { isSafeText, parseInput } from '@journey/platform';
import { boundInboundEmail, TRUNCATION_MARKER } from './email-bounds';
import {
  fromMailgun,
  fromPostmark,
  fromSendgrid,
  fromSes,
  postmarkInboundSchema,
  sesReceivedSchema,
} from './email-providers';
import { fromJsonEmail, jsonEmailSchema, MalformedEmail, parseMimeEmail } from './inbound-email';
import type { InboundEmail } from './inbound-email';

// Inbound email, for any input: raw MIME of any shape, the JSON of mail providers, and the posts of
// Mailgun, SendGrid, Postmark and SES are either read into an email whose message-received event fits
// its contract (every bound the contract declares, and text every store keeps where it is stored in
// clear), or refused with the module's own errors, the ones the controllers answer 400 with (MalformedEmail,
// a ZodError, a BadRequestException); never another error, which would be a 500 and a provider retrying
// for days. Well-formed messages keep their words, Chinese and XML-like characters included.
const trusted = { trustedAuthservIds: ['mx.example.com'] };

/** The message-received data an inbound email becomes (as the intake builds it), checked by its contract. */
function asEvent(e: InboundEmail) {
  const b = boundInboundEmail(e);
  const data = {
    conversationId: '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11',
    channel: 'email',
    channelId: 'support',
    messageId: '6f1d2a9e-2b8c-4f1e-8d7a-3c5b9e0f1a22',
    providerMessageId: b.messageId,
    identities: [{ kind: 'email', value: b.from.address, verified: b.dkimPass }],
    ...(b.text ? { text: b.text } : {}),
    ...(b.textTruncated ? { textTruncated: true } : {}),
    attachments: b.attachments,
    emailThread: {
      messageId: b.messageId,
      references: b.references,
      ...(b.subject ? { subject: b.subject } : {}),
    },
    receivedAt: '2026-11-23T10:00:00.000Z',
  };
  return { bounded: b, data, validation: journeyCatalogue.validate('channels.message-received.v1', data) };
}

/** Fits the contract, and what stays in clear in the store (ids, threading, content types) is text jsonb keeps. */
function expectBounded(e: InboundEmail) {
  const { bounded, validation } = asEvent(e);
  expect(validation).toMatchObject({ ok: true });
  const clear = [
    bounded.messageId,
    ...bounded.references,
    ...(bounded.inReplyTo ? [bounded.inReplyTo] : []),
    ...bounded.attachments.map((a) => a.contentType),
    ...(bounded.text !== undefined ? [bounded.text] : []),
    ...(bounded.subject !== undefined ? [bounded.subject] : []),
  ];
  expect(clear.filter((t) => !isSafeText(t))).toEqual([]);
  return bounded;
}

/** A control character or a line separator: no subject or body line keeps one as it is. */
const isControl = (ch: string) => {
  const c = ch.codePointAt(0) ?? 0;
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
};

/** Read, or refused with an error the controllers turn into a 400. */
async function readOrRefused(read: () => Promise<InboundEmail>): Promise<InboundEmail | 'refused'> {
  try {
    return await read();
  } catch (err) {
    const known =
      err instanceof MalformedEmail ||
      err instanceof BadRequestException ||
      (err instanceof Error && err.name === 'ZodError');
    if (!known) throw err;
    return 'refused';
  }
}

// Pieces of mail, well-formed and not: header lines that repeat, break, encode and inject.
const headerName = fc.constantFrom(
  'From',
  'To',
  'Cc',
  'Subject',
  'Message-ID',
  'In-Reply-To',
  'References',
  'Date',
  'Content-Type',
  'Content-Transfer-Encoding',
  'Authentication-Results',
  'X-Custom',
);
const headerValue = fc.oneof(
  fc.constantFrom(
    '"Li Wei" <li.wei@customer.example>',
    'li.wei@customer.example',
    '<m1@customer.example>',
    '<m1@customer.example> <m2@example.com>',
    '=?UTF-8?B?6K6i5Y2V6Zeu6aKY?=',
    '=?GB2312?B?xOO6ww==?=',
    '=?UTF-8?Q?broken',
    'multipart/mixed; boundary="b"',
    'text/plain; charset=gb2312',
    'text/plain; charset=x-unknown',
    'base64',
    'quoted-printable',
    'Mon, 23 Nov 2026 10:00:00 +0800',
    'not a date',
    'mx.example.com; dkim=pass header.d=customer.example',
    '<>',
    `<${'m'.repeat(1200)}@x>`,
  ),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const header = fc.tuple(headerName, headerValue).map(([n, v]) => `${n}: ${v}`);
/** Senders, mostly readable: plain, named, encoded, in Chinese; some not an address at all. */
const sender = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'li.wei@customer.example',
      '"Li Wei" <Li.Wei@Customer.example>',
      '=?UTF-8?B?5p2O5Lyf?= <li@customer.example>',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(headerValue, fc.constant(`<${'a'.repeat(330)}@customer.example>`)) },
);
const body = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom(
    '--b\r\nContent-Type: text/plain\r\n\r\n你好 <b>&amp;</b>\r\n--b--\r\n',
    'JVBERi0xLjQK',
    '=E4=BD=A0=\r\n',
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
);
const eol = fc.constantFrom('\r\n', '\n');
/** Mostly a message (a From among other headers, a blank line, a body), some bytes of anything. */
const mime = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({ from: sender, headers: fc.array(header, { maxLength: 8 }), at: fc.nat(), eol, body })
      .map(({ from, headers, at, eol, body }) => {
        const lines = [...headers];
        lines.splice(at % (lines.length + 1), 0, `From: ${from}`);
        return `${lines.join(eol)}${eol}${eol}${body}`;
      }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);

describe('raw MIME, for any input', () => {
  it('is read into an email whose event fits its contract, or refused as malformed, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(mime, async (raw) => {
        const email = await readOrRefused(() => parseMimeEmail(raw, trusted));
        if (email !== 'refused') expectBounded(email);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the sender, subject, words and threading of a well-formed message, in any script', async () => {
    const words = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 300 })
      .map((t) =>
        Array.from(t, (ch) => (isControl(ch) ? ' ' : ch))
          .join('')
          .trim(),
      )
      .filter((t) => t.length > 0 && isSafeText(t));
    const local = fc.stringMatching(/^[a-z0-9][a-z0-9.]{0,15}[a-z0-9]$/).filter((l) => !l.includes('..'));
    const message = fc.record({
      local,
      name: fc.constantFrom('Li Wei', '李伟', 'O’Brien & <Co>'),
      subject: words,
      text: fc.oneof(words, fc.constant('x'.repeat(MESSAGE_TEXT_MAX + 10))),
      id: fc.integer({ min: 1, max: 1_000_000 }),
      replyTo: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
    });
    const b64 = (t: string) => Buffer.from(t, 'utf8').toString('base64');
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        const address = `${m.local}@customer.example`;
        const raw = [
          `From: =?UTF-8?B?${b64(m.name)}?= <${address}>`,
          'To: support@example.com',
          `Subject: =?UTF-8?B?${b64(m.subject)}?=`,
          `Message-ID: <m${m.id}@customer.example>`,
          ...(m.replyTo
            ? [`In-Reply-To: <r${m.replyTo}@example.com>`, `References: <r${m.replyTo}@example.com>`]
            : []),
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=utf-8',
          'Content-Transfer-Encoding: base64',
          '',
          b64(m.text),
          '',
        ].join('\r\n');
        const bounded = expectBounded(await parseMimeEmail(raw, trusted));
        expect(bounded).toMatchObject({
          messageId: `<m${m.id}@customer.example>`,
          from: { address, name: m.name },
          to: ['support@example.com'],
          subject: m.subject,
          references: m.replyTo ? [`<r${m.replyTo}@example.com>`] : [],
          dkimPass: false,
        });
        if (m.text.length <= MESSAGE_TEXT_MAX) expect(bounded.text).toBe(m.text);
        else
          expect([
            bounded.text?.length,
            bounded.text?.endsWith(TRUNCATION_MARKER),
            bounded.textTruncated,
          ]).toEqual([MESSAGE_TEXT_MAX, true, true]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the JSON form of mail providers, for any JSON', () => {
  it('is parsed or refused with a 400, and a parsed one makes an event that fits its contract', () => {
    const shaped = fc.record(
      {
        messageId: fc.oneof(
          {
            weight: 4,
            arbitrary: fc.constantFrom('<a@b.example>', '<长@b.example>', `<${'a'.repeat(990)}@b>`),
          },
          { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
        ),
        from: fc.oneof(
          {
            weight: 4,
            arbitrary: fc.constantFrom('Zhang@B.example', { address: 'a@b.example', name: '张伟 <x>' }),
          },
          { weight: 1, arbitrary: fc.jsonValue() },
        ),
        to: fc.oneof(
          { weight: 4, arbitrary: fc.constant(['support@example.com']) },
          { weight: 1, arbitrary: fc.array(fc.string(), { maxLength: 2 }) },
        ),
        subject: fc.string({ unit: 'grapheme', maxLength: 1200 }),
        text: fc.oneof(fc.string({ unit: 'grapheme' }), fc.constant('长'.repeat(MESSAGE_TEXT_MAX + 1))),
        references: fc.oneof(fc.string(), fc.array(fc.string({ maxLength: 30 }), { maxLength: 30 })),
        inReplyTo: fc.string(),
        attachments: fc.array(
          fc.record({
            url: fc.constant('https://cdn.example.com/a.png'),
            contentType: fc.string({ minLength: 1, maxLength: 40 }),
            name: fc.string(),
          }),
          { maxLength: 25 },
        ),
        dkim: fc.constantFrom('pass', 'fail', 'none', 'maybe'),
        date: fc.oneof(fc.constant('2026-11-23T10:00:00+08:00'), fc.string()),
      },
      { requiredKeys: ['messageId', 'from', 'to'] },
    );
    fc.assert(
      fc.property(
        fc.oneof({ weight: 1, arbitrary: fc.jsonValue() }, { weight: 4, arbitrary: shaped }),
        (input) => {
          let email: InboundEmail;
          try {
            email = fromJsonEmail(parseInput(jsonEmailSchema, input));
          } catch (err) {
            expect(err).toBeInstanceOf(BadRequestException);
            expect((err as BadRequestException).getStatus()).toBe(400);
            return;
          }
          expectBounded(email);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the providers’ posts, for any fields', () => {
  const field = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));
  const headerPairs = fc.array(
    fc.tuple(fc.oneof(headerName, fc.string({ maxLength: 12 })), fc.oneof(headerValue, field)),
    {
      maxLength: 8,
    },
  );
  const files = fc.array(
    fc.record({
      field: fc.constantFrom('attachment1', 'attachment-x', 'file'),
      filename: fc.string({ maxLength: 300 }),
      contentType: fc.constantFrom('image/png', 'application/x-' + 'y'.repeat(200), ''),
      sizeBytes: fc.nat(),
    }),
    { maxLength: 3 },
  );

  it('reads a Mailgun form into an email that fits, or refuses it as malformed', async () => {
    const form = fc.record(
      {
        'message-headers': fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .tuple(sender, headerPairs)
              .map(([from, h]) => JSON.stringify([['From', from], ...h])),
          },
          { weight: 1, arbitrary: field },
        ),
        'body-plain': fc.string({ unit: 'grapheme', maxLength: 200 }),
        recipient: fc.oneof(fc.constant('Support <support@example.com>'), field),
      },
      { requiredKeys: ['message-headers'] },
    );
    await fc.assert(
      fc.asyncProperty(form, files, async (fields, fs) => {
        const email = await readOrRefused(() => fromMailgun(new Map(Object.entries(fields)), fs, trusted));
        if (email !== 'refused') expectBounded(email);
      }),
      { numRuns: 200 },
    );
  });

  it('never lets a header value of a Mailgun post forge another header (an Authentication-Results of ours)', async () => {
    const forged = fc
      .tuple(fc.constantFrom('\r\n', '\n', '\r', '\n\n', '\r\n\r\n', '\n\t'), fc.string({ maxLength: 10 }))
      .map(
        ([br, junk]) =>
          `hello${br}Authentication-Results: mx.example.com; dkim=pass header.d=customer.example${br}${junk}`,
      );
    await fc.assert(
      fc.asyncProperty(forged, fc.constantFrom('Subject', 'X-Custom', 'To'), async (value, name) => {
        const headers = [
          ['From', 'li.wei@customer.example'],
          ['Message-ID', '<m1@customer.example>'],
          [name, value],
        ];
        const email = await fromMailgun(new Map([['message-headers', JSON.stringify(headers)]]), [], trusted);
        expect(email.dkimPass).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('reads a SendGrid form (parsed or raw) into an email that fits, or refuses it as malformed', async () => {
    const form = fc.record(
      {
        email: fc.option(mime, { freq: 2, nil: undefined }),
        headers: fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .tuple(sender, fc.array(header, { maxLength: 6 }))
              .map(([from, h]) => [`From: ${from}`, ...h].join('\r\n')),
          },
          { weight: 1, arbitrary: field },
        ),
        text: fc.string({ unit: 'grapheme', maxLength: 200 }),
        envelope: fc.oneof(
          fc.constant('{"to":["support@example.com"]}'),
          fc.jsonValue().map((j) => JSON.stringify(j)),
          field,
        ),
        dkim: fc.oneof(fc.constant('{@customer.example : pass}'), field),
      },
      { requiredKeys: ['headers'] },
    );
    await fc.assert(
      fc.asyncProperty(form, files, async (fields, fs) => {
        const entries = Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined);
        const email = await readOrRefused(() => fromSendgrid(new Map(entries), fs, trusted));
        if (email !== 'refused') expectBounded(email);
      }),
      { numRuns: 200 },
    );
  });

  it('reads a Postmark post its schema takes into an email that fits, or refuses it as malformed', async () => {
    const address = fc.record(
      {
        Email: fc.oneof(fc.constant('li.wei@customer.example'), fc.string({ maxLength: 40 })),
        Name: fc.string({ maxLength: 40 }),
      },
      { requiredKeys: ['Email'] },
    );
    const post = fc.record(
      {
        MessageID: fc.string({ minLength: 1, maxLength: 60 }),
        FromFull: address,
        ToFull: fc.array(address, { maxLength: 3 }),
        Subject: fc.string({ unit: 'grapheme', maxLength: 1200 }),
        TextBody: fc.string({ unit: 'grapheme', maxLength: 200 }),
        OriginalRecipient: fc.string({ maxLength: 40 }),
        Headers: fc.array(
          fc.record({
            Name: fc.oneof(headerName, fc.string({ maxLength: 12 })),
            Value: fc.oneof(headerValue, field),
          }),
          {
            maxLength: 5,
          },
        ),
        Attachments: fc.array(
          fc.record({
            Name: fc.string({ maxLength: 300 }),
            ContentType: fc.string({ maxLength: 60 }),
            ContentLength: fc.nat(),
          }),
          { maxLength: 25 },
        ),
      },
      { requiredKeys: ['MessageID', 'FromFull'] },
    );
    await fc.assert(
      fc.asyncProperty(post, async (p) => {
        const parsed = postmarkInboundSchema.safeParse(p);
        if (!parsed.success) return;
        const email = await readOrRefused(() => fromPostmark(parsed.data, trusted));
        if (email !== 'refused') expectBounded(email);
      }),
      { numRuns: 200 },
    );
  });

  it('reads an SES notification into an email that fits, or refuses it as malformed', async () => {
    const notification = fc.record({
      notificationType: fc.constant('Received'),
      mail: fc.constant({ messageId: 'ses-1' }),
      receipt: fc.record({
        recipients: fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }),
        dkimVerdict: fc.record({ status: fc.constantFrom('PASS', 'FAIL') }),
        dmarcVerdict: fc.record({ status: fc.constantFrom('PASS', 'FAIL') }),
        action: fc.record({
          type: fc.constant('SNS'),
          encoding: fc.constantFrom('UTF8' as const, 'BASE64' as const),
        }),
      }),
      content: fc.option(mime, { freq: 10, nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(notification, fc.boolean(), async (n, encode) => {
        const base64 = n.receipt.action.encoding === 'BASE64';
        const content =
          n.content !== undefined && base64 && encode ? Buffer.from(n.content).toString('base64') : n.content;
        const email = await readOrRefused(() =>
          fromSes(sesReceivedSchema.parse({ ...n, ...(content !== undefined ? { content } : {}) })),
        );
        if (email !== 'refused') expectBounded(email);
      }),
      { numRuns: 200 },
    );
  });
});
