import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { parseDocument } from 'yaml';

// Article bodies are Markdown. The portal gets HTML that cannot run anything: markdown-it with raw
// HTML off renders it, then sanitize-html keeps an allow-list of tags, attributes and URL schemes (a
// second line of defence: a renderer bug or a future option must not open a hole).

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

const ALLOWED: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'blockquote',
    'pre',
    'code',
    'em',
    'strong',
    's',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title'],
    th: ['style'],
    td: ['style'],
    ol: ['start'],
  },
  allowedStyles: {
    th: { 'text-align': [/^(left|right|center)$/] },
    td: { 'text-align': [/^(left|right|center)$/] },
  },
  allowedSchemes: ['https', 'http', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['https'] },
  allowProtocolRelative: false,
  transformTags: {
    // A link goes to an absolute http(s), mailto or tel URL, or within the site; anything else loses its href.
    a: (tagName, attribs) => {
      const { href, ...rest } = attribs;
      const safe = href !== undefined && /^(https?:|mailto:|tel:|\/(?!\/)|#)/i.test(href);
      return {
        tagName,
        attribs: {
          ...rest,
          ...(safe ? { href } : {}),
          rel: 'noopener noreferrer nofollow',
          target: '_blank',
        },
      };
    },
  },
};

/** The article body as safe HTML for the portal and the widget. */
export function renderArticleHtml(body: string): string {
  return sanitizeHtml(markdown.render(body), ALLOWED);
}

/** The article body as plain text (what search indexes and highlights, and what an automatic answer quotes). */
export function plainTextOf(body: string): string {
  const html = markdown.render(body);
  return sanitizeHtml(html.replace(/<\/(p|h\d|li|pre|blockquote|tr)>/g, '$&\n'), {
    allowedTags: [],
    allowedAttributes: {},
  })
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[ \t]+/g, ' ')
    .replace(/\n{2,}/g, '\n')
    .trim();
}

export interface FrontMatterDocument {
  attributes: Record<string, unknown>;
  body: string;
}

const FENCE = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/**
 * Splits a Markdown file into its YAML front matter and its body. A file without front matter has no
 * attributes; front matter that is not a YAML mapping, or that YAML cannot read, throws with why.
 */
export function parseFrontMatter(text: string): FrontMatterDocument {
  if (!text.startsWith('---')) return { attributes: {}, body: text };
  const match = FENCE.exec(text);
  if (!match) throw new Error('front matter: the opening --- has no closing --- line');
  const doc = parseDocument(match[1] as string, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length)
    throw new Error(`front matter: ${doc.errors[0]?.message.split('\n')[0] ?? 'invalid YAML'}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 10 });
  } catch (err) {
    // An alias without its anchor, or too many aliases (a billion-laughs document), fails only here.
    throw new Error(`front matter: ${(err as Error).message.split('\n')[0] ?? 'invalid YAML'}`);
  }
  if (value === null || value === undefined) return { attributes: {}, body: text.slice(match[0].length) };
  if (typeof value !== 'object' || Array.isArray(value))
    throw new Error('front matter: must be a mapping of keys to values');
  return { attributes: value as Record<string, unknown>, body: text.slice(match[0].length) };
}
