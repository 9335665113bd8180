import {
  authservIdOf,
  fromJsonEmail,
  jsonEmailSchema,
  MalformedEmail,
  parseMimeEmail,
  threadRoot,
} from './inbound-email';

const ours = { trustedAuthservIds: ['MX.example.com'] };

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
    const email = await parseMimeEmail(mime, ours);
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
    const email = await parseMimeEmail(
      mime.replace('header.d=customer.example', 'header.d=evil.example'),
      ours,
    );
    expect(email.dkimPass).toBe(false);
  });

  it('believes only the receiving server named as trusted, never a header the sender wrote (RFC 8601)', async () => {
    // No trusted server configured: no raw message is DKIM-verified.
    expect((await parseMimeEmail(mime)).dkimPass).toBe(false);
    // The sender wrote a result under another authserv-id.
    const forged = mime.replace('mx.example.com;', 'attacker.invalid;');
    expect((await parseMimeEmail(forged, ours)).dkimPass).toBe(false);
    // Our server's header comes first (topmost) and says fail; a forged pass below it is not read.
    const below = mime.replace(
      'Authentication-Results: mx.example.com; dkim=pass header.d=customer.example; spf=pass',
      [
        'Authentication-Results: mx.example.com; dkim=fail header.d=customer.example',
        'Authentication-Results: attacker.invalid; dkim=pass header.d=customer.example',
      ].join('\r\n'),
    );
    expect((await parseMimeEmail(below, ours)).dkimPass).toBe(false);
  });

  it('reads the authserv-id past comments and the version, case-insensitively', () => {
    expect(authservIdOf('mx.example.com; dkim=pass')).toBe('mx.example.com');
    expect(authservIdOf(' (the border MTA) MX.Example.com 1; none')).toBe('mx.example.com');
    expect(authservIdOf('; dkim=pass')).toBeUndefined();
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
