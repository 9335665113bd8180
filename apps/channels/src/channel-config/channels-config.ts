import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { describeIssues } from '@journey/contracts';

const secret = z.string().min(16, 'must be at least 16 characters');
/**
 * A secret being rotated out: still accepted on signed inbound calls until validUntil (ISO 8601 with an
 * offset), so that senders can move to the new secret without a gap. Refused after it.
 */
const previousSecret = z
  .object({ secret, validUntil: z.iso.datetime({ offset: true }) })
  .strict()
  .optional();
const notTheSame = (current: string, previous: { secret: string } | undefined) =>
  previous === undefined || previous.secret !== current;
const SAME_SECRET = 'must differ from the secret that replaces it';
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');

/** The configured channels and their secrets (a file: a Kubernetes Secret in production). */
export const channelsConfigSchema = z.object({
  /** Inbound email webhooks are signed with this secret (the same scheme as the API channels). */
  email: z
    .object({
      webhookSecret: secret,
      /** The webhook secret being rotated out, accepted until its validUntil. */
      previousWebhookSecret: previousSecret,
      /**
       * The authserv-ids (RFC 8601) of the receiving mail servers whose Authentication-Results headers
       * are believed: a raw MIME message's DKIM pass counts only when one of them reported it. Empty:
       * no raw message is taken as DKIM-verified.
       */
      trustedAuthservIds: z
        .array(
          z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, 'must be a host name such as mx.example.com'),
        )
        .max(20)
        .default([]),
      /** The largest attachment taken (bytes); a larger one is refused and its sender told, the message kept. */
      attachmentMaxBytes: z
        .number()
        .int()
        .min(1024)
        .max(40 * 1024 * 1024)
        .default(10 * 1024 * 1024),
      /** Mailgun routes (forward): the account's HTTP webhook signing key. */
      mailgun: z.object({ signingKey: secret }).optional(),
      /**
       * SendGrid Inbound Parse with a security policy's signature: the policy's ECDSA public key
       * (base64 DER, as SendGrid shows it, or PEM).
       */
      sendgrid: z.object({ verificationKey: z.string().min(40).max(4096) }).optional(),
      /** Postmark inbound: the basic-auth user and password written into the webhook URL. */
      postmark: z.object({ username: z.string().min(1).max(200), password: secret }).optional(),
      /**
       * Amazon SES receipt rules publishing to SNS: the topics taken (ARNs) and where SNS signing
       * certificates may come from (a regular expression on the certificate URL).
       */
      ses: z
        .object({
          topicArns: z
            .array(
              z
                .string()
                .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, 'must be an SNS topic ARN'),
            )
            .min(1)
            .max(20),
          certificateUrlPattern: z
            .string()
            .max(500)
            .default(
              '^https://sns\\.[a-z]{2}(-[a-z]+)+-\\d\\.amazonaws\\.com(\\.cn)?/SimpleNotificationService-[0-9a-f]+\\.pem$',
            ),
        })
        .optional(),
      inboxes: z
        .array(
          z.object({
            id,
            address: z.email(),
            displayName: z.string().optional(),
            smtpUrl: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL'),
          }),
        )
        .default([]),
    })
    .refine((e) => notTheSame(e.webhookSecret, e.previousWebhookSecret), {
      message: SAME_SECRET,
      path: ['previousWebhookSecret'],
    })
    .optional(),
  wechat: z
    .array(
      z
        .object({
          id,
          appId: z.string().min(1),
          appSecret: secret,
          token: z.string().min(3).max(32),
          /** 43 characters; required for safe (AES) mode. */
          encodingAesKey: z
            .string()
            .regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey')
            .optional(),
          apiBaseUrl: z.url().default('https://api.weixin.qq.com'),
          /**
           * The message encryption mode chosen in WeChat's console: plaintext, compatible (both) or safe
           * (encrypted only; a plaintext POST is refused). Default: compatible with an EncodingAESKey,
           * else plaintext.
           */
          messageMode: z.enum(['plaintext', 'compatible', 'safe']).optional(),
        })
        .refine((a) => a.messageMode === undefined || a.messageMode === 'plaintext' || a.encodingAesKey, {
          message: 'compatible and safe modes need the encodingAesKey',
          path: ['encodingAesKey'],
        }),
    )
    .default([]),
  /** App and partner channels: signed inbound calls, replies to their callback URL. */
  api: z
    .array(
      z
        .object({
          id,
          kind: z.enum(['app', 'partner-api']),
          secret,
          previousSecret,
          callbackUrl: z.url().optional(),
        })
        .refine((c) => notTheSame(c.secret, c.previousSecret), {
          message: SAME_SECRET,
          path: ['previousSecret'],
        }),
    )
    .default([]),
  voice: z
    .array(
      z.object({ id, secret, previousSecret }).refine((c) => notTheSame(c.secret, c.previousSecret), {
        message: SAME_SECRET,
        path: ['previousSecret'],
      }),
    )
    .default([]),
  chat: z
    .array(
      z.object({
        id,
        visitorTokenSecret: secret,
        /**
         * Identity verification (as Intercom's and Chatwoot's): the web site, where the customer is
         * signed in, passes HMAC-SHA256(identitySecret, email) as identityHash with identify, and the
         * email then counts as attested. Without it every email a visitor types is only a claim.
         */
        identitySecret: secret.optional(),
        /** What the embeddable widget (GET /widget.js) shows on this channel. */
        widget: z
          .object({
            /** The chat window's title (default: the widget's own words, in the page's language). */
            title: z.string().trim().min(1).max(80).optional(),
            /** The pre-chat form (name and email): not shown, shown and skippable, or asked first. */
            preChat: z.enum(['off', 'optional', 'required']).default('optional'),
            /**
             * The public help centre (the knowledge service's /v1/help) that suggests articles while the
             * visitor types; default HELP_CENTER_URL. `suggestions: false` turns them off.
             */
            helpCenterUrl: z
              .url({ protocol: /^https?$/ })
              .max(2048)
              .optional(),
            suggestions: z.boolean().default(true),
          })
          .strict()
          .default({ preChat: 'optional', suggestions: true }),
      }),
    )
    .default([]),
});
export type ChannelsConfig = z.infer<typeof channelsConfigSchema>;

export const CHANNELS_CONFIG = Symbol('CHANNELS_CONFIG');

/** A file for local use: one channel of each kind, random secrets, mail to the local SMTP port. */
function localDevelopmentConfig(): ChannelsConfig {
  const s = () => randomBytes(24).toString('base64url');
  return channelsConfigSchema.parse({
    email: {
      webhookSecret: s(),
      trustedAuthservIds: ['mx.journey.local'],
      inboxes: [{ id: 'support', address: 'support@example.com', smtpUrl: 'smtp://127.0.0.1:2525' }],
    },
    wechat: [
      {
        id: 'official-account',
        appId: 'wx-local',
        appSecret: s(),
        token: 'journeylocal',
        encodingAesKey: randomBytes(32).toString('base64').slice(0, 43).replace(/[+/]/g, 'A'),
        apiBaseUrl: 'http://127.0.0.1:2526',
      },
    ],
    api: [
      { id: 'mobile-app', kind: 'app', secret: s() },
      { id: 'partner', kind: 'partner-api', secret: s() },
    ],
    voice: [{ id: 'pbx', secret: s() }],
    chat: [{ id: 'website', visitorTokenSecret: s(), identitySecret: s() }],
  });
}

/**
 * Reads CHANNELS_CONFIG_FILE (default `.local/channels/channels.json`). Outside production a missing
 * default file is created with local secrets, as the local signing key is.
 */
export function loadChannelsConfig(env: NodeJS.ProcessEnv = process.env): ChannelsConfig {
  const explicit = env['CHANNELS_CONFIG_FILE'];
  const file = resolve(explicit ?? '.local/channels/channels.json');
  if (!existsSync(file)) {
    if (explicit || env['NODE_ENV'] === 'production')
      throw new Error(`CHANNELS_CONFIG_FILE: ${file} does not exist`);
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, JSON.stringify(localDevelopmentConfig(), null, 2), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`CHANNELS_CONFIG_FILE: ${file} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = channelsConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`CHANNELS_CONFIG_FILE: ${file}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
