import { fromJsonEmail, jsonEmailSchema, MalformedEmail, parseMimeEmail, threadRoot } from './inbound-email';

const mime = [
  'Authentication-Results: mx.example.com; dkim=pass header.d=customer.example; spf=pass',
  'From: "Li Wei" <Li.Wei@customer.example>',
  'To: support@example.com',
  'Subject: =?UTF-8?B?6K6i5Y2V6Zeu6aKY?=',
  'Message-ID: <m3@customer.example>',
  'In-Reply-To: <r2@example.com>',
  'References: <m1@customer.example> <r2@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Where is my order?',
  '--b',
  'Content-Type: application/pdf; name="invoice.pdf"',
  'Content-Disposition: attachment; filename="invoice.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQK',
  '--b--',
  '',
].join('\r\n');

describe('inbound email', () => {
  it('parses raw MIME: sender, encoded subject, threading headers, DKIM, attachments by reference', async () => {
    const email = await parseMimeEmail(mime);
    expect(email).toMatchObject({
      messageId: '<m3@customer.example>',
      from: { address: 'li.wei@customer.example', name: 'Li Wei' },
      to: ['support@example.com'],
      subject: '订单问题',
      text: 'Where is my order?',
      inReplyTo: '<r2@example.com>',
      references: ['<m1@customer.example>', '<r2@example.com>'],
      dkimPass: true,
      attachments: [
        {
          name: 'invoice.pdf',
          contentType: 'application/pdf',
          sizeBytes: 9,
          reference: 'mime:<m3@customer.example>#1',
        },
      ],
    });
    expect(threadRoot(email)).toBe('<m1@customer.example>');
  });

  it('does not trust DKIM of another domain', async () => {
    const email = await parseMimeEmail(mime.replace('header.d=customer.example', 'header.d=evil.example'));
    expect(email.dkimPass).toBe(false);
  });

  it('refuses what is not an email', async () => {
    await expect(parseMimeEmail('hello there')).rejects.toThrow(MalformedEmail);
    await expect(parseMimeEmail('Subject: x\r\n\r\nno sender')).rejects.toThrow(
      'the message has no From address',
    );
  });

  it('stands in the content hash for a Message-ID it cannot keep (too long, or not one)', async () => {
    const email = await parseMimeEmail(mime.replace('<m3@customer.example>', `<${'m'.repeat(1200)}@x>`));
    expect(email.messageId).toMatch(/^<sha256-[0-9a-f]{64}@journey\.invalid>$/);
  });

  it('reads the JSON form of mail providers, threading a first message on itself', () => {
    const email = fromJsonEmail(
      jsonEmailSchema.parse({
        messageId: '<a@b.example>',
        from: 'Zhang@B.example',
        to: ['support@example.com'],
        text: ' hi ',
      }),
    );
    expect(email).toMatchObject({
      from: { address: 'zhang@b.example' },
      text: 'hi',
      references: [],
      dkimPass: false,
    });
    expect(threadRoot(email)).toBe('<a@b.example>');
    expect(jsonEmailSchema.safeParse({ messageId: 'no-brackets', from: 'x', to: [] }).success).toBe(false);
    const tooLong = { messageId: `<${'a'.repeat(1000)}@b>`, from: 'a@b.example', to: ['s@example.com'] };
    expect(jsonEmailSchema.safeParse(tooLong).success).toBe(false);
  });
});
