import { ATTACHMENTS_MAX, EMAIL_REFERENCES_MAX, MESSAGE_TEXT_MAX, PROVIDER_ID_MAX } from '@journey/contracts';
import { isSafeText, withoutUnsafeText } from '@journey/platform';
import type { InboundEmail } from './inbound-email';

/** What ends a text that was cut short, so that agent and customer both see it. */
export const TRUNCATION_MARKER = '…[truncated]';
const SUBJECT_MAX = 998;
const NAME_MAX = 255;
const CONTENT_TYPE = /^[\w.+-]{1,127}\/[\w.+-]{1,127}$/;

/** At most `max` UTF-16 units of `text`, the marker last when cut; a surrogate pair is never split. */
export function truncateText(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  let end = max - TRUNCATION_MARKER.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return { text: text.slice(0, end) + TRUNCATION_MARKER, truncated: true };
}

/** True for a Message-ID the platform can keep as it is (and so thread and deduplicate by). */
export const isUsableMessageId = (id: string): boolean =>
  id.length <= PROVIDER_ID_MAX && /^<[^<>\s]+>$/.test(id) && isSafeText(id);

/**
 * An inbound email cut to what its message-received event holds. A provider retries a refused
 * email for days, so nothing here refuses: a body past MESSAGE_TEXT_MAX keeps its start and the
 * marker (textTruncated), a subject its first 998 characters, References the thread root and the
 * latest ones, and attachments the first ATTACHMENTS_MAX; characters no store keeps become U+FFFD.
 */
export function boundInboundEmail(email: InboundEmail): InboundEmail {
  const text =
    email.text === undefined ? undefined : truncateText(withoutUnsafeText(email.text), MESSAGE_TEXT_MAX);
  const subject =
    email.subject === undefined ? undefined : truncateText(withoutUnsafeText(email.subject), SUBJECT_MAX);
  const references = email.references.filter(isUsableMessageId);
  const { text: _text, subject: _subject, textTruncated: _truncated, inReplyTo, ...rest } = email;
  return {
    ...rest,
    ...(subject ? { subject: subject.text } : {}),
    ...(text ? { text: text.text } : {}),
    ...(text?.truncated ? { textTruncated: true } : {}),
    ...(inReplyTo && isUsableMessageId(inReplyTo) ? { inReplyTo } : {}),
    references:
      references.length <= EMAIL_REFERENCES_MAX
        ? references
        : [references[0] as string, ...references.slice(1 - EMAIL_REFERENCES_MAX)],
    attachments: email.attachments.slice(0, ATTACHMENTS_MAX).map((a) => ({
      ...a,
      ...(a.name !== undefined ? { name: withoutUnsafeText(a.name.slice(0, NAME_MAX)) } : {}),
      contentType: CONTENT_TYPE.test(a.contentType) ? a.contentType : 'application/octet-stream',
    })),
  };
}
