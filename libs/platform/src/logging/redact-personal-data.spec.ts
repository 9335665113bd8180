import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { redactPersonalData, scrubText } from './redact-personal-data';

describe('redactPersonalData', () => {
  it('replaces values under personal keys, at any depth and in any spelling', () => {
    const record = {
      contactId: 'c-1',
      email: 'li.wei@example.com',
      profile: { first_name: 'Wei', 'Phone-Number': '+86 138 0013 8000', wechatOpenId: 'oAbc123' },
      messages: [{ text: 'my card is 4111 1111 1111 1111', id: 'm-1' }],
    };
    expect(redactPersonalData(record)).toEqual({
      contactId: 'c-1',
      email: '[redacted]',
      profile: { first_name: '[redacted]', 'Phone-Number': '[redacted]', wechatOpenId: '[redacted]' },
      messages: [{ text: '[redacted]', id: 'm-1' }],
    });
  });

  it('masks e-mail addresses, phone numbers and bearer tokens inside free text', () => {
    expect(scrubText('reply to anna@example.org or +44 20 7946 0958')).toBe('reply to [email] or [phone]');
    expect(scrubText('mobile 13800138000 called')).toBe('mobile [phone] called');
    expect(scrubText('Authorization: Bearer eyJhbGciOi.abc.def')).toBe('Authorization: Bearer [redacted]');
  });

  it('leaves ids, dates, times and counts alone', () => {
    const text =
      'ticket t-20261123-0042 at 2026-11-23 18:40:57.448, 1700000000000 ms, 3 retries, order 12345678';
    expect(scrubText(text)).toBe(text);
  });

  it('does not change the input object', () => {
    const record = { email: 'a@b.co' };
    redactPersonalData(record);
    expect(record.email).toBe('a@b.co');
  });

  it('keeps an error readable without the personal data in its message', () => {
    const out = redactPersonalData({ err: new Error('no contact for bob@example.com') }) as {
      err: { message: string };
    };
    expect(out.err.message).toBe('no contact for [email]');
  });
});

describe('createLogger', () => {
  it('writes JSON records with no personal data, in fields or in the message', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('contacts', 'info', sink);
    logger.info(
      { contactId: 'c-9', email: 'zhang@example.cn', phone: '13912345678' },
      'merged contact zhang@example.cn',
    );
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({
      level: 'info',
      service: 'contacts',
      contactId: 'c-9',
      msg: 'merged contact [email]',
    });
    expect(lines[0]).not.toMatch(/zhang@example|13912345678/);
  });
});
