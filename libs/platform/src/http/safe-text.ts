const NUL = '\u0000';
// A high surrogate with no low one after it, or a low one with no high one before it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const EVERY_LONE_SURROGATE = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Text that every store and log can hold: PostgreSQL's jsonb refuses NUL and unpaired UTF-16
 * surrogates, and MongoDB refuses NUL in field names. Input carrying them is refused at the edge.
 */
export const isSafeText = (text: string): boolean => !text.includes(NUL) && !LONE_SURROGATE.test(text);

export const UNSAFE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/**
 * Where the first string that is not safe text sits in a parsed input (a value, or a key), as a
 * dotted path (`attachments.0.contentType`, `(root)` for the input itself); undefined when all are safe.
 */
export function unsafeTextPath(input: unknown): string | undefined {
  const stack: { value: unknown; path: string }[] = [{ value: input, path: '' }];
  const at = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
  while (stack.length) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === 'string') {
      if (!isSafeText(value)) return path || '(root)';
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: at(path, i) }));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (!isSafeText(key)) return `${path ? `${path}.` : ''}(a key)`;
        stack.push({ value: inner, path: at(path, key) });
      }
    }
  }
  return undefined;
}

/** The text with each NUL and unpaired surrogate replaced by U+FFFD, for input that cannot be refused. */
export const withoutUnsafeText = (text: string): string =>
  text.replaceAll(NUL, '\uFFFD').replace(EVERY_LONE_SURROGATE, '\uFFFD');

/** The text as a regular expression source that matches it literally (for searches on user input). */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
