import { isSafeText, unsafeTextPath, withoutUnsafeText } from './safe-text';

describe('safe text', () => {
  it('refuses NUL and unpaired surrogates, and takes any other text, emoji and CJK included', () => {
    expect(isSafeText('你好 👋 \t\n ok')).toBe(true);
    expect(isSafeText('a\u0000b')).toBe(false);
    expect(isSafeText('a\uD83Db')).toBe(false); // a high surrogate alone
    expect(isSafeText('\uDC4B')).toBe(false); // a low surrogate alone
    expect(isSafeText('\uD83D')).toBe(false); // cut at the end
  });

  it('can replace what it refuses, for input that cannot be sent back (an email)', () => {
    expect(withoutUnsafeText('a\u0000b\uD800c 👋')).toBe('a\uFFFDb\uFFFDc 👋');
  });

  it('names where in an input the first unsafe string sits, as a value or as a key', () => {
    expect(unsafeTextPath({ a: ['ok', { b: 'fine' }], n: 1, z: null })).toBeUndefined();
    expect(unsafeTextPath({ attachments: [{ contentType: 'image/png\u0000' }] })).toBe(
      'attachments.0.contentType',
    );
    expect(unsafeTextPath({ details: { 'bad\u0000key': 1 } })).toBe('details.(a key)');
    expect(unsafeTextPath('\uD800')).toBe('(root)');
  });

  it('walks deeply nested input without recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 50_000; i++) deep = [deep];
    expect(unsafeTextPath(deep)).toMatch(/^0(\.0)+$/);
  });
});
