import { createHmac, createPublicKey, createVerify, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ATTACHMENTS_MAX } from '@journey/contracts';
import { timestampIsFresh } from '../signed/signed-request';
import { MalformedEmail, parseMimeEmail } from './inbound-email';
import type { InboundEmail, MimeOptions } from './inbound-email';
import type { FormFile } from './multipart-form';

// Each provider posts an inbound email in its own shape and proves it its own way. What they share:
// the headers (Message-ID, In-Reply-To, References, From, To, Cc, Authentication-Results) are read by
// the same MIME parser as a raw message, so threading and the DKIM rule are the same for all of them.

type Verdict = { ok: true } | { ok: false; reason: string };

/** Header lines (name, value) as the block a MIME parser reads. Line breaks inside a value are folded. */
const headerBlock = (headers: readonly (readonly [string, string])[]) =>
  headers
    .filter(([name]) => /^[\x21-\x39\x3b-\x7e]+$/.test(name))
    .map(([name, value]) => `${name}: ${value.replace(/\r?\n(?![ \t])/g, '\r\n ')}`)
    .join('\r\n');

/** What the headers of a provider's post say (the body comes from the provider's own text field). */
async function fromHeaders(
  headers: readonly (readonly [string, string])[],
  options: MimeOptions,
): Promise<InboundEmail> {
  return parseMimeEmail(`${headerBlock(headers)}\r\n\r\n`, options);
}

const fileAttachments = (files: readonly FormFile[], reference: (f: FormFile, i: number) => string) =>
  files.slice(0, ATTACHMENTS_MAX * 5).map((f, i) => ({
    ...(f.filename ? { name: f.filename } : {}),
    contentType: f.contentType,
    sizeBytes: f.sizeBytes,
    reference: reference(f, i),
  }));

const recipientsOf = (list: string | undefined) =>
  (list ?? '')
    .split(',')
    .map((a) => /<([^<>]+)>/.exec(a)?.[1] ?? a)
    .map((a) => a.trim().toLowerCase())
    .filter((a) => a.includes('@'));

// ---------------------------------------------------------------------------------------------------
// Mailgun routes (forward): form fields, signed with HMAC-SHA256(signing key, timestamp + token).

/** Tokens of the last signed posts: a captured post cannot be sent again while its timestamp is fresh. */
export class RecentTokens {
  private readonly seen = new Map<string, number>();
  constructor(private readonly ttlMs = 10 * 60_000) {}

  /** True the first time a token is seen within the window. */
  first(token: string, now = Date.now()): boolean {
    for (const [t, at] of this.seen) {
      if (now - at <= this.ttlMs) break;
      this.seen.delete(t);
    }
    if (this.seen.has(token)) return false;
    this.seen.set(token, now);
    return true;
  }
}

export function verifyMailgun(signingKey: string, fields: Map<string, string>, now = Date.now()): Verdict {
  const timestamp = fields.get('timestamp');
  const token = fields.get('token');
  const signature = fields.get('signature');
  if (!timestamp || !token || !signature)
    return { ok: false, reason: 'the timestamp, token and signature fields are required' };
  if (!/^[0-9a-f]{64}$/i.test(signature)) return { ok: false, reason: 'the signature is not hex SHA-256' };
  if (!timestampIsFresh(timestamp, now))
    return { ok: false, reason: 'the timestamp is more than 300 seconds away from now' };
  const expected = createHmac('sha256', signingKey).update(timestamp).update(token).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex')))
    return { ok: false, reason: 'the signature does not match' };
  return { ok: true };
}

export async function fromMailgun(
  fields: Map<string, string>,
  files: readonly FormFile[],
  options: MimeOptions,
): Promise<InboundEmail> {
  let headers: [string, string][];
  try {
    headers = z
      .array(z.tuple([z.string(), z.string()]))
      .parse(JSON.parse(fields.get('message-headers') ?? 'null'));
  } catch {
    throw new MalformedEmail('message-headers must be the JSON list of [name, value] pairs Mailgun posts');
  }
  const email = await fromHeaders(headers, options);
  const text = fields.get('body-plain')?.trim();
  return {
    ...email,
    // The envelope recipient is where the mail was delivered, whatever To says (Bcc, lists).
    to: [...new Set([...recipientsOf(fields.get('recipient')), ...email.to])],
    ...(text ? { text } : {}),
    attachments: fileAttachments(files, (_, i) => `mailgun:${email.messageId}#${i + 1}`),
  };
}

// ---------------------------------------------------------------------------------------------------
// SendGrid Inbound Parse: multipart form, signed (security policy) with ECDSA P-256 over timestamp + body.

export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/** The policy's public key: base64 DER (as SendGrid shows it) or PEM. */
export function sendgridKey(verificationKey: string): KeyObject {
  const key = verificationKey.trim();
  return key.startsWith('-----BEGIN')
    ? createPublicKey(key)
    : createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' });
}

/** An ECDSA check fed as the body streams: the timestamp first, then every chunk. */
export function sendgridVerifier(timestamp: string) {
  const verifier = createVerify('sha256');
  verifier.update(timestamp);
  return {
    update: (chunk: Buffer) => verifier.update(chunk),
    verify(key: KeyObject, signature: string): Verdict {
      try {
        return verifier.verify(key, Buffer.from(signature, 'base64'))
          ? { ok: true }
          : { ok: false, reason: 'the signature does not match the body' };
      } catch {
        return { ok: false, reason: 'the signature is not a base64 ECDSA signature' };
      }
    },
  };
}

/** SendGrid's dkim field, e.g. `{@customer.example : pass, @relay.example : fail}`: a pass for the From domain. */
export function sendgridDkimPass(dkim: string | undefined, fromAddress: string): boolean {
  const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase();
  return [...(dkim ?? '').matchAll(/@([^\s:,{}]+)\s*:\s*(\w+)/g)].some(
    (m) => m[1]?.toLowerCase() === domain && m[2]?.toLowerCase() === 'pass',
  );
}

export async function fromSendgrid(
  fields: Map<string, string>,
  files: readonly FormFile[],
  options: MimeOptions,
): Promise<InboundEmail> {
  const raw = fields.get('email');
  let envelope: string[] = [];
  try {
    const parsed = z
      .object({ to: z.array(z.string()).max(100) })
      .safeParse(JSON.parse(fields.get('envelope') ?? '{}'));
    envelope = parsed.success ? parsed.data.to.map((a) => a.toLowerCase()) : [];
  } catch {
    envelope = [];
  }
  // "Post the raw, full MIME message": the message itself, attachments and all.
  if (raw) {
    const email = await parseMimeEmail(raw, options);
    return {
      ...email,
      to: [...new Set([...envelope, ...email.to])],
      dkimPass: email.dkimPass || sendgridDkimPass(fields.get('dkim'), email.from.address),
    };
  }
  const headers = fields.get('headers');
  if (!headers) throw new MalformedEmail('the headers field (or email, in raw mode) is required');
  const email = await parseMimeEmail(`${headers.trim()}\r\n\r\n`, options);
  const text = fields.get('text')?.trim();
  return {
    ...email,
    to: [...new Set([...envelope, ...email.to])],
    ...(text ? { text } : {}),
    attachments: fileAttachments(
      files.filter((f) => /^attachment\d+$/.test(f.field)),
      (_, i) => `sendgrid:${email.messageId}#${i + 1}`,
    ),
    dkimPass: email.dkimPass || sendgridDkimPass(fields.get('dkim'), email.from.address),
  };
}

// ---------------------------------------------------------------------------------------------------
// Postmark inbound: JSON; Postmark does not sign it, so the URL carries basic-auth credentials.

const postmarkAddress = z.object({ Email: z.string().max(320), Name: z.string().max(1000).optional() });

/** The fields of Postmark's inbound JSON the platform reads (others are let through unread). */
export const postmarkInboundSchema = z.object({
  MessageID: z.string().min(1).max(200),
  FromFull: postmarkAddress,
  ToFull: z.array(postmarkAddress).max(100).default([]),
  CcFull: z.array(postmarkAddress).max(100).default([]),
  Subject: z.string().max(10_000).optional(),
  TextBody: z.string().max(1_000_000).optional(),
  StrippedTextReply: z.string().max(1_000_000).optional(),
  OriginalRecipient: z.string().max(320).optional(),
  Headers: z
    .array(z.object({ Name: z.string().max(200), Value: z.string().max(100_000) }))
    .max(500)
    .default([]),
  Attachments: z
    .array(
      z.object({
        Name: z.string().max(1000).optional(),
        ContentType: z.string().max(255).default('application/octet-stream'),
        ContentLength: z.number().int().nonnegative(),
        ContentID: z.string().max(1000).optional(),
      }),
    )
    .max(ATTACHMENTS_MAX * 5)
    .default([]),
});

export async function fromPostmark(
  body: z.infer<typeof postmarkInboundSchema>,
  options: MimeOptions,
): Promise<InboundEmail> {
  const named = (a: z.infer<typeof postmarkAddress>) =>
    a.Name ? `"${a.Name.replace(/"/g, '')}" <${a.Email}>` : a.Email;
  // Postmark lifts From, To, Cc and Subject out of the headers; put them back to read them all alike.
  const headers: [string, string][] = [
    ['From', named(body.FromFull)],
    ...(body.ToFull.length ? [['To', body.ToFull.map(named).join(', ')] as [string, string]] : []),
    ...(body.CcFull.length ? [['Cc', body.CcFull.map(named).join(', ')] as [string, string]] : []),
    ...body.Headers.filter((h) => !/^(from|to|cc|subject)$/i.test(h.Name)).map(
      (h) => [h.Name, h.Value] as [string, string],
    ),
  ];
  const email = await fromHeaders(headers, options);
  const messageId = body.Headers.some((h) => /^message-id$/i.test(h.Name))
    ? email.messageId
    : `<${body.MessageID.replace(/[<>\s]/g, '')}@inbound.postmarkapp.invalid>`;
  const text = body.TextBody?.trim();
  return {
    ...email,
    messageId,
    to: [
      ...new Set([...(body.OriginalRecipient ? [body.OriginalRecipient.toLowerCase()] : []), ...email.to]),
    ],
    ...(body.Subject ? { subject: body.Subject } : {}),
    ...(text ? { text } : {}),
    attachments: body.Attachments.map((a, i) => ({
      ...(a.Name ? { name: a.Name } : {}),
      contentType: a.ContentType,
      sizeBytes: a.ContentLength,
      reference: `postmark:${body.MessageID}#${i + 1}`,
    })),
  };
}

/** Basic-auth credentials as given, compared in constant time. */
export function basicAuthMatches(header: string | undefined, username: string, password: string): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m?.[1]) return false;
  const given = Buffer.from(m[1], 'base64');
  const expected = Buffer.from(`${username}:${password}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// ---------------------------------------------------------------------------------------------------
// Amazon SES receipt rule → SNS: an SNS message signed with the key of a certificate SNS publishes.

export const snsMessageSchema = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1).max(200),
  TopicArn: z.string().min(1).max(500),
  Message: z.string().max(50_000_000),
  Timestamp: z.string().max(100),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string().min(1).max(2000),
  SigningCertURL: z.url().max(2000),
  Subject: z.string().max(1000).optional(),
  Token: z.string().max(2000).optional(),
  SubscribeURL: z.url().max(4000).optional(),
  UnsubscribeURL: z.url().max(4000).optional(),
});
export type SnsMessage = z.infer<typeof snsMessageSchema>;

/** The text SNS signs: these fields, present ones only, each as "name\nvalue\n", in this order. */
export function snsStringToSign(m: SnsMessage): string {
  const keys =
    m.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const);
  return keys
    .filter((k) => m[k] !== undefined)
    .map((k) => `${k}\n${m[k] as string}\n`)
    .join('');
}

/**
 * Checks an SNS message: its certificate comes from a URL the configuration allows (SNS's own hosts by
 * default), is valid now, and its key verifies the signature (SHA1withRSA for version 1, SHA256 for 2).
 */
export async function verifySns(
  m: SnsMessage,
  certificateUrlPattern: RegExp,
  certificate: (url: string) => Promise<string>,
  now = new Date(),
): Promise<Verdict> {
  if (!certificateUrlPattern.test(m.SigningCertURL))
    return { ok: false, reason: 'SigningCertURL is not an allowed SNS certificate address' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(await certificate(m.SigningCertURL));
  } catch (err) {
    return { ok: false, reason: `the signing certificate could not be read: ${(err as Error).message}` };
  }
  if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now)
    return { ok: false, reason: 'the signing certificate is not valid now' };
  const verifier = createVerify(m.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  verifier.update(snsStringToSign(m), 'utf8');
  try {
    if (!verifier.verify(cert.publicKey, Buffer.from(m.Signature, 'base64')))
      return { ok: false, reason: 'the signature does not match the message' };
  } catch {
    return { ok: false, reason: 'the signature is not a base64 RSA signature' };
  }
  return { ok: true };
}

const verdict = z.object({ status: z.string().max(50) }).optional();

/** The SES notification of a received email (what SNS carries as Message). */
export const sesReceivedSchema = z.object({
  notificationType: z.literal('Received'),
  mail: z.object({ messageId: z.string().max(200) }).loose(),
  receipt: z
    .object({
      recipients: z.array(z.string().max(320)).max(100).default([]),
      dkimVerdict: verdict,
      dmarcVerdict: verdict,
      virusVerdict: verdict,
      action: z.object({ type: z.string(), encoding: z.enum(['UTF8', 'BASE64']).optional() }).loose(),
    })
    .loose(),
  content: z.string().optional(),
});

export async function fromSes(notification: z.infer<typeof sesReceivedSchema>): Promise<InboundEmail> {
  if (notification.content === undefined)
    throw new MalformedEmail(
      'the notification carries no content: use a receipt rule with an SNS action (messages up to 150 KB)',
    );
  const raw =
    notification.receipt.action.encoding === 'BASE64'
      ? Buffer.from(notification.content, 'base64').toString('utf8')
      : notification.content;
  // SES itself checked the message; its verdicts are what the signed notification attests.
  const email = await parseMimeEmail(raw, {});
  const { dkimVerdict, dmarcVerdict } = notification.receipt;
  return {
    ...email,
    to: [...new Set([...notification.receipt.recipients.map((r) => r.toLowerCase()), ...email.to])],
    dkimPass: dkimVerdict?.status === 'PASS' && dmarcVerdict?.status === 'PASS',
  };
}
