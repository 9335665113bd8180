import { journeyCatalogue, MESSAGE_TEXT_MAX } from '@journey/contracts';
import { isSafeText } from '@journey/platform';
import { boundInboundEmail, TRUNCATION_MARKER, truncateText } from './email-bounds';
import { parseMimeEmail } from './inbound-email';
import type { InboundEmail } from './inbound-email';

const email = (over: Partial<InboundEmail> = {}): InboundEmail => ({
  messageId: '<m@customer.example>',
  from: { address: 'li.wei@customer.example' },
  to: ['support@example.com'],
  references: [],
  attachments: [],
  dkimPass: true,
  ...over,
});

/** The message-received data an email becomes, checked by the contract as the decider's append is. */
const asEvent = (e: InboundEmail) =>
  journeyCatalogue.validate('channels.message-received.v1', {
    conversationId: '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11',
    channel: 'email',
    channelId: 'support',
    messageId: '6f1d2a9e-2b8c-4f1e-8d7a-3c5b9e0f1a22',
    providerMessageId: e.messageId,
    identities: [{ kind: 'email', value: e.from.address, verified: e.dkimPass }],
    ...(e.text ? { text: e.text } : {}),
    ...(e.textTruncated ? { textTruncated: true } : {}),
    attachments: e.attachments,
    emailThread: {
      messageId: e.messageId,
      references: e.references,
      ...(e.subject ? { subject: e.subject } : {}),
    },
    receivedAt: '2026-11-23T10:00:00.000Z',
  });

describe('an inbound email bounded to its event', () => {
  it('keeps a text that fits as it is', () => {
    expect(boundInboundEmail(email({ text: 'Where is my order?' }))).toMatchObject({
      text: 'Where is my order?',
    });
    expect(boundInboundEmail(email({ text: 'x' })).textTruncated).toBeUndefined();
  });

  it('cuts a body past what a message holds, marks the cut and says so, and the event takes it', () => {
    const bounded = boundInboundEmail(email({ text: 'a'.repeat(MESSAGE_TEXT_MAX * 3) }));
    expect(bounded.text).toHaveLength(MESSAGE_TEXT_MAX);
    expect(bounded.text?.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(bounded.textTruncated).toBe(true);
    expect(asEvent(email({ text: 'a'.repeat(MESSAGE_TEXT_MAX + 1) })).ok).toBe(false);
    expect(asEvent(bounded)).toMatchObject({ ok: true, data: { textTruncated: true } });
  });

  it('never leaves half a surrogate pair at the cut', () => {
    const cut = truncateText('😀'.repeat(20), 15);
    expect(cut.text.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(cut.text.length).toBeLessThanOrEqual(15);
    expect(isSafeText(cut.text)).toBe(true);
  });

  it('keeps the thread root and the latest References, a subject of 998 characters, the first attachments', () => {
    const references = Array.from({ length: 40 }, (_, i) => `<r${i}@x.example>`);
    const bounded = boundInboundEmail(
      email({
        subject: 's'.repeat(5000),
        references: [...references, `<${'z'.repeat(2000)}@x>`, '<nul\u0000@x>'],
        attachments: Array.from({ length: 30 }, (_, i) => ({
          reference: `mime:<m@customer.example>#${i + 1}`,
          contentType: i === 0 ? `application/${'x'.repeat(300)}` : 'image/png',
          name: 'n'.repeat(400),
          sizeBytes: 1,
        })),
      }),
    );
    expect(bounded.references).toEqual([references[0], ...references.slice(-9)]);
    expect(bounded.subject).toHaveLength(998);
    expect(bounded.attachments).toHaveLength(20);
    expect(bounded.attachments[0]).toMatchObject({ contentType: 'application/octet-stream' });
    expect(bounded.attachments[1]?.name).toHaveLength(255);
    expect(asEvent(bounded).ok).toBe(true);
  });

  it('bounds raw MIME the same way: a 1 MB body becomes a marked, acceptable event', async () => {
    const raw = [
      'From: Li Wei <li.wei@customer.example>',
      'To: support@example.com',
      'Subject: Long',
      'Message-ID: <long@customer.example>',
      'Content-Type: text/plain; charset=utf-8',
      '',
      '长'.repeat(350_000),
      '',
    ].join('\r\n');
    const bounded = boundInboundEmail(await parseMimeEmail(raw));
    expect(bounded).toMatchObject({ textTruncated: true, messageId: '<long@customer.example>' });
    expect(asEvent(bounded).ok).toBe(true);
  });

  it('replaces characters no store keeps in the text, as an email cannot be refused', () => {
    expect(boundInboundEmail(email({ text: 'a\u0000b' })).text).toBe('a\uFFFDb');
  });
});
