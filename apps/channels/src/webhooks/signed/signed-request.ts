import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedException, UnsupportedMediaTypeException } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import type { Request } from 'express';
import { rawBodyOf } from '@journey/platform';

export const TIMESTAMP_HEADER = 'x-journey-timestamp';
export const SIGNATURE_HEADER = 'x-journey-signature';
/** Signed calls older (or newer) than this are refused, so a captured call cannot be replayed later. */
export const MAX_SKEW_SECONDS = 300;

/** A signed request's timestamp (unix seconds) within MAX_SKEW_SECONDS of this server's clock. */
export const timestampIsFresh = (timestamp: string, now = Date.now()): boolean =>
  /^\d{1,12}$/.test(timestamp) && Math.abs(now / 1000 - Number(timestamp)) <= MAX_SKEW_SECONDS;

/**
 * What a signed call may be signed with: the channel's secret and, while a rotation's overlap lasts, the
 * secret it replaced (accepted until `validUntil`, an ISO 8601 time; refused after it without a word more).
 */
export interface SigningSecrets {
  secret: string;
  previousSecret?: { secret: string; validUntil: string } | undefined;
}

const previousSecretUsed = metrics
  .getMeter('journey-channels')
  .createCounter('journey.channels.previous_secret_used', {
    description:
      'Signed calls accepted with a channel secret that is being rotated out: 0 for a while means every sender has moved',
    unit: '{call}',
  });

const signature = (secret: string, timestamp: string, body: Buffer) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

/** The headers of a signed call: HMAC-SHA256 over "<unix seconds>.<body>" (the scheme of Stripe and Slack). */
export function signRequest(secret: string, body: Buffer | string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: `sha256=${signature(secret, timestamp, Buffer.from(body))}`,
  };
}

/**
 * Checks a signed call; the reason says what is wrong without revealing the expected value. `previous` says
 * the call was signed with the secret being rotated out (within its overlap).
 */
export function verifySignedRequest(
  secrets: SigningSecrets | string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  now = Date.now(),
): { ok: true; previous?: true } | { ok: false; reason: string } {
  const { secret, previousSecret } =
    typeof secrets === 'string' ? { secret: secrets, previousSecret: undefined } : secrets;
  const timestamp = headers[TIMESTAMP_HEADER];
  const given = headers[SIGNATURE_HEADER];
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: `missing or malformed ${TIMESTAMP_HEADER} header (unix seconds)` };
  if (typeof given !== 'string' || !/^sha256=[0-9a-f]{64}$/i.test(given))
    return { ok: false, reason: `missing or malformed ${SIGNATURE_HEADER} header (sha256=<hex>)` };
  if (!timestampIsFresh(timestamp, now))
    return { ok: false, reason: `the timestamp is more than ${MAX_SKEW_SECONDS} seconds away from now` };
  const presented = Buffer.from(given.slice('sha256='.length), 'hex');
  const matches = (key: string) =>
    timingSafeEqual(Buffer.from(signature(key, timestamp, body), 'hex'), presented);
  if (matches(secret)) return { ok: true };
  if (previousSecret && now < Date.parse(previousSecret.validUntil) && matches(previousSecret.secret))
    return { ok: true, previous: true };
  return { ok: false, reason: 'the signature does not match the body' };
}

/**
 * Checks a signed webhook call: first that it says what its body is (without a Content-Type the body
 * is not read, and a signature check would fail for a reason the sender cannot see: 415 says so), then
 * its signature (401 with the reason).
 */
export function checkSignedCall(
  secrets: SigningSecrets,
  req: Request,
  types: readonly string[],
  channel: string,
): void {
  if (!req.headers['content-type'])
    throw new UnsupportedMediaTypeException(
      `the Content-Type header is missing: send the body as ${types.join(' or ')}, then sign it`,
    );
  if (!req.is([...types])) throw new UnsupportedMediaTypeException(`send the body as ${types.join(' or ')}`);
  const check = verifySignedRequest(secrets, req.headers, rawBodyOf(req));
  if (!check.ok) throw new UnauthorizedException(`signature check failed: ${check.reason}`);
  if (check.previous) previousSecretUsed.add(1, { channel });
}
