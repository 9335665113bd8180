import { scrubText } from '@journey/platform';

/**
 * Why something failed, fit for a dead-letter header, a log line or a span: the error's name and code
 * and its message with addresses, numbers, quoted values and control characters masked, because
 * drivers quote the data they refused (a document's field name, a value) and that may be personal.
 */
export function failureReason(err: unknown): string {
  if (!(err instanceof Error)) return 'non-error thrown';
  const code = (err as { code?: unknown }).code;
  const message = scrubText(err.message)
    .replace(/(["'`])(?:(?!\1).){1,200}\1/gu, '$1…$1')
    // eslint-disable-next-line no-control-regex -- masking control characters is the point
    .replace(/[\u0000-\u001f\u007f\ud800-\udfff]/gu, '?');
  return `${err.name}${code !== undefined ? ` (${String(code)})` : ''}: ${message}`.slice(0, 1_000);
}
