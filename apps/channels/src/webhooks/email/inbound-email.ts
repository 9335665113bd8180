import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { AddressObject } from 'mailparser';
import { z } from 'zod';
import { ATTACHMENTS_MAX, PROVIDER_ID_MAX } from '@journey/contracts';
import { isUsableMessageId } from './email-bounds';

/** An inbound email, whichever form it came in. */
export interface InboundEmail {
  messageId: string;
  from: { address: string; name?: string };
  to: string[];
  subject?: string;
  text?: string;
  /** The body was longer than a message holds: text is its start, with a marker (see email-bounds). */
  textTruncated?: boolean;
  inReplyTo?: string;
  references: string[];
  attachments: { name?: string; contentType: string; sizeBytes: number; reference: string }[];
  /** The sender's domain passed DKIM (as the receiving server reported it). */
  dkimPass: boolean;
  date?: string;
}

export class MalformedEmail extends Error {
  override name = 'MalformedEmail';
}

const ids = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? value.split(/\s+/) : [])
    .flatMap((v) => v.match(/<[^<>\s]+>/g) ?? [])
    .map((v) => v.trim());

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : [])
    .flatMap((o) => o.value.map((v) => v.address?.toLowerCase() ?? ''))
    .filter(Boolean);

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** The authserv-id an Authentication-Results header starts with (RFC 8601 §2.2), comments skipped. */
export function authservIdOf(header: string): string | undefined {
  const value = header.replace(/^\s*(\([^()]*\)\s*)*/, '');
  return /^([^\s;()]+)/.exec(value)?.[1]?.toLowerCase();
}

/**
 * dkim=pass with a signing domain (header.d) equal to the From domain, as reported by the receiving
 * server. Anyone can write an Authentication-Results header into the mail they send, so only the
 * topmost header whose authserv-id names a server trusted here counts (RFC 8601 §5: that server
 * removes headers claiming its id from incoming mail); with no trusted id configured, none counts.
 */
const dkimPasses = (results: string[], fromAddress: string, trustedAuthservIds: readonly string[]) => {
  const trusted = new Set(trustedAuthservIds.map((id) => id.toLowerCase()));
  const ours = results.find((r) => {
    const id = authservIdOf(r);
    return id !== undefined && trusted.has(id);
  });
  return (
    ours !== undefined &&
    [...ours.matchAll(/dkim=pass[^;]*header\.d=([^\s;]+)/gi)].some(
      (m) => m[1]?.toLowerCase() === domainOf(fromAddress),
    )
  );
};

export interface MimeOptions {
  /** authserv-ids of the receiving servers whose Authentication-Results are believed (email.trustedAuthservIds). */
  trustedAuthservIds?: readonly string[];
}

/** Parses raw MIME (message/rfc822) with mailparser; refuses what is not an email. */
export async function parseMimeEmail(raw: string, options: MimeOptions = {}): Promise<InboundEmail> {
  if (!/^[\x21-\x39\x3b-\x7e]+:/m.test(raw.slice(0, 4096)) || !/\r?\n\r?\n/.test(raw))
    throw new MalformedEmail('not a MIME message: no header block followed by a blank line');
  const mail = await simpleParser(raw, { skipHtmlToText: false, skipImageLinks: true });
  const from = Array.isArray(mail.from) ? mail.from[0] : mail.from;
  const sender = from?.value[0];
  if (!sender?.address) throw new MalformedEmail('the message has no From address');
  if (sender.address.length > ADDRESS_MAX) throw new MalformedEmail('the From address is too long');
  const authResults = mail.headers.get('authentication-results');
  const results = (Array.isArray(authResults) ? authResults : authResults ? [authResults] : []).map(String);
  // Without a Message-ID it can keep (rare), the content's hash stands in, so a redelivery is still recognised.
  const messageId =
    mail.messageId && isUsableMessageId(mail.messageId)
      ? mail.messageId
      : `<sha256-${createHash('sha256').update(raw).digest('hex')}@journey.invalid>`;
  return {
    messageId,
    from: { address: sender.address.toLowerCase(), ...(sender.name ? { name: sender.name } : {}) },
    to: [...addresses(mail.to), ...addresses(mail.cc)],
    ...(mail.subject ? { subject: mail.subject } : {}),
    ...(mail.text ? { text: mail.text.trim() } : {}),
    ...(ids(mail.inReplyTo)[0] ? { inReplyTo: ids(mail.inReplyTo)[0] } : {}),
    references: ids(mail.references),
    // The bytes are not kept (no blob store yet): the reference names the part within the message.
    attachments: mail.attachments.map((a, i) => ({
      ...(a.filename ? { name: a.filename } : {}),
      contentType: a.contentType,
      sizeBytes: a.size,
      reference: `mime:${messageId}#${i + 1}`,
    })),
    dkimPass: dkimPasses(results, sender.address, options.trustedAuthservIds ?? []),
    ...(mail.date ? { date: mail.date.toISOString() } : {}),
  };
}

const ADDRESS_MAX = 320;
const address = z.email().max(ADDRESS_MAX);
const messageIdText = z
  .string()
  .max(PROVIDER_ID_MAX)
  .regex(/^<[^<>\s]+>$/, 'must be a Message-ID such as <abc@mail.example.com>');

/**
 * The JSON form that mail providers post for a parsed inbound message. Identifiers are refused when
 * wrong (400); text, subject, References and attachments are taken up to what a request may carry
 * and then cut to what the event holds (see boundInboundEmail), as a raw MIME message is.
 */
export const jsonEmailSchema = z
  .object({
    messageId: messageIdText,
    from: z.union([address, z.object({ address, name: z.string().max(200).optional() })]),
    to: z.array(address).min(1).max(100),
    cc: z.array(address).max(100).default([]),
    subject: z.string().max(10_000).optional(),
    text: z.string().max(1_000_000).optional(),
    inReplyTo: z.string().max(PROVIDER_ID_MAX).optional(),
    references: z
      .union([z.string().max(100_000), z.array(z.string().max(PROVIDER_ID_MAX)).max(1_000)])
      .optional(),
    attachments: z
      .array(
        z.object({
          url: z.url().max(2048),
          contentType: z.string().min(1).max(255),
          name: z.string().max(1_000).optional(),
          sizeBytes: z.number().int().nonnegative().optional(),
        }),
      )
      .max(ATTACHMENTS_MAX * 5)
      .default([]),
    dkim: z.enum(['pass', 'fail', 'none']).optional(),
    date: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export function fromJsonEmail(m: z.infer<typeof jsonEmailSchema>): InboundEmail {
  const sender = typeof m.from === 'string' ? { address: m.from } : m.from;
  return {
    messageId: m.messageId,
    from: { address: sender.address.toLowerCase(), ...(sender.name ? { name: sender.name } : {}) },
    to: [...m.to, ...m.cc].map((a) => a.toLowerCase()),
    ...(m.subject ? { subject: m.subject } : {}),
    ...(m.text ? { text: m.text.trim() } : {}),
    ...(m.inReplyTo && ids(m.inReplyTo)[0] ? { inReplyTo: ids(m.inReplyTo)[0] } : {}),
    references: ids(m.references),
    attachments: m.attachments.map(({ url, contentType, name, sizeBytes }) => ({
      reference: url,
      contentType,
      ...(name ? { name } : {}),
      sizeBytes: sizeBytes ?? 0,
    })),
    dkimPass: m.dkim === 'pass',
    ...(m.date ? { date: new Date(m.date).toISOString() } : {}),
  };
}

/** The thread an email belongs to: the root of its References chain, else what it replied to, else itself. */
export const threadRoot = (email: InboundEmail): string =>
  email.references[0] ?? email.inReplyTo ?? email.messageId;
