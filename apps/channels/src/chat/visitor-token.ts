import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * A web visitor's session token: the visitor id and an HMAC of it with the chat channel's secret. It
 * lets a returning visitor resume their conversation without an account, and no one else read it.
 */
export function issueVisitorToken(
  secret: string,
  visitorId: string = randomUUID(),
): { visitorId: string; token: string } {
  const mac = createHmac('sha256', secret).update(visitorId).digest('base64url');
  return { visitorId, token: `${Buffer.from(visitorId).toString('base64url')}.${mac}` };
}

/** The visitor id of a valid token, or undefined. */
export function verifyVisitorToken(secret: string, token: unknown): string | undefined {
  if (typeof token !== 'string' || token.length > 512) return undefined;
  const [id, mac] = token.split('.');
  if (!id || !mac) return undefined;
  const visitorId = Buffer.from(id, 'base64url').toString('utf8');
  const expected = createHmac('sha256', secret).update(visitorId).digest();
  const given = Buffer.from(mac, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected) ? visitorId : undefined;
}
