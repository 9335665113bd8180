import { scrubText } from '@journey/platform';

/**
 * Why something failed, fit for a dead-letter header, a log line or a span: the error's name and code
 * and its message with addresses, numbers, quoted values and control characters masked, because
 * drivers quote the data they refused (a document's field name, a value) and that may be personal.
 */
export function failureReason(err: unknown): string {
  if (!(err instanceof Error)) return 'non-error thrown';
  const code = (err as { code?: unknown }).code;
  return cleanReason(`${err.name}${code !== undefined ? ` (${String(code)})` : ''}: ${err.message}`);
}

/**
 * Any reason made fit to store and show: what is quoted (a parser's excerpt of the payload, a refused
 * value) is masked, and so are addresses, phone numbers, control characters (PostgreSQL text refuses
 * NUL) and unpaired surrogates; a record's key in a field path (`details.<key>`) is masked too.
 */
export function cleanReason(reason: string): string {
  return (
    scrubText(reason)
      .replace(/(["'`])(?:(?!\1).){1,200}\1/gu, '$1…$1')
      .replace(/\b(details|traits|customFields)\.[^\s:,;]+/g, '$1.…')
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '?')
      // eslint-disable-next-line no-control-regex -- masking control characters is the point
      .replace(/[\u0000-\u001f\u007f]/g, '?')
      .slice(0, 1_000)
  );
}
