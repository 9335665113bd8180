import { Parser } from 'htmlparser2';
import { parseFrontMatter, plainTextOf, renderArticleHtml } from './markdown';

describe('article Markdown', () => {
  it('renders Markdown to HTML', () => {
    expect(
      renderArticleHtml('# Returns\n\nSend it **back** within [14 days](https://shop.example/returns).'),
    ).toBe(
      '<h1>Returns</h1>\n<p>Send it <strong>back</strong> within <a href="https://shop.example/returns" rel="noopener noreferrer nofollow" target="_blank">14 days</a>.</p>\n',
    );
  });

  it.each([
    ['a script tag', '<script>alert(1)</script>'],
    ['an event handler', '<img src="https://x.example/a.png" onerror="alert(1)">'],
    ['a javascript: link', '[click](javascript:alert(1))'],
    ['an encoded javascript: link', '[click](jav&#x09;ascript:alert(1))'],
    ['a data: image', '![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['an iframe', '<iframe src="https://evil.example"></iframe>'],
    ['a style attribute', '<p style="background:url(javascript:alert(1))">x</p>'],
  ])('never lets %s run in the portal', (_name, body) => {
    const html = renderArticleHtml(body);
    // What may stay is text (escaped) and allowed tags: no active element, no handler, no style,
    // and every URL an http(s), mailto or tel one.
    expect(html).not.toMatch(/<(script|iframe|object|embed|style|svg|math)\b/i);
    expect(html).not.toMatch(/<[a-z][^>]*\s(on\w+|style|srcdoc)\s*=/i);
    const urls: string[] = [];
    new Parser({
      onopentag: (_name, attributes) =>
        urls.push(...[attributes['href'], attributes['src']].filter((u) => u !== undefined)),
    }).end(html);
    for (const url of urls) expect(url).toMatch(/^(https?:|mailto:|tel:)/);
  });

  it('gives the plain text that search indexes', () => {
    expect(plainTextOf('# 退货\n\n- 七天 *无理由*\n- 运费险 & more')).toBe(
      '退货\n七天 无理由\n运费险 & more',
    );
  });

  it('reads YAML front matter and refuses malformed front matter with why', () => {
    expect(parseFrontMatter('---\ntitle: Returns\ntags: [a, b]\n---\nBody')).toEqual({
      attributes: { title: 'Returns', tags: ['a', 'b'] },
      body: 'Body',
    });
    expect(parseFrontMatter('No front matter')).toEqual({ attributes: {}, body: 'No front matter' });
    expect(() => parseFrontMatter('---\ntitle: [unclosed\n---\nBody')).toThrow(/^front matter: /);
    expect(() => parseFrontMatter('---\ntitle: Returns\nBody without a closing fence')).toThrow(
      'front matter: the opening --- has no closing --- line',
    );
    expect(() => parseFrontMatter('---\n- a list\n---\nBody')).toThrow(
      'front matter: must be a mapping of keys to values',
    );
    expect(() => parseFrontMatter('---\ntitle: a\ntitle: b\n---\n')).toThrow(/^front matter: /);
  });
});
