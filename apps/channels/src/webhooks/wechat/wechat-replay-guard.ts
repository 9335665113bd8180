import { createHmac } from 'node:crypto';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ensureMigrated } from '@journey/eventstore';
import { InfrastructureConnections } from '@journey/platform';
import { WECHAT_NONCES_MIGRATION } from '../../schema-migrations';
import { MAX_SKEW_SECONDS, timestampIsFresh } from '../signed/signed-request';

/** A keyed digest of text that may hold personal data: the same for the same text, and not computable without the secret. */
export const keyedDigest = (secret: string, text: string): string =>
  createHmac('sha256', secret).update(text).digest('base64url');

/** Seen nonces are kept a little longer than the window in which their timestamp is accepted. */
const KEEP_SECONDS = 2 * MAX_SKEW_SECONDS + 60;

/**
 * In plaintext mode WeChat's signature covers the token, the timestamp and the nonce, not the
 * message: a captured signature could post any message as anyone. So a signed request is accepted
 * only with a timestamp within ±5 min, and a nonce is good for one message: WeChat redelivering that
 * message passes (its idempotency makes that harmless); the same nonce with another message, or a
 * URL check's nonce with a message, is refused. Seen nonces live in PostgreSQL, shared by replicas,
 * keyed by an HMAC of the message's identity (no openid in clear), and expire after the window.
 */
@Injectable()
export class WechatReplayGuard {
  private claims = 0;

  constructor(private readonly connections: InfrastructureConnections) {}

  /** The table, made on first use (a database away at start-up does not stop the service). */
  private ready: Promise<unknown> | undefined;

  private ensureTable(): Promise<unknown> {
    this.ready ??= ensureMigrated(this.connections.eventStore, WECHAT_NONCES_MIGRATION).catch(
      (err: unknown) => {
        this.ready = undefined; // tried again by the next request (a passing fault answers 503)
        throw err;
      },
    );
    return this.ready;
  }

  /** Refuses a timestamp that is not a number of seconds within the window of this server's clock. */
  checkTimestamp(timestamp: string, now = Date.now()): void {
    if (!timestampIsFresh(timestamp, now))
      throw new UnauthorizedException(
        `signature check failed: the timestamp is more than ${MAX_SKEW_SECONDS / 60} minutes from this server's clock`,
      );
  }

  /**
   * Records that `nonce` (with its timestamp) signed `message`; refuses it when it signed another one.
   * `secret` keys the HMAC of the message's identity (the account's app secret).
   */
  async claim(
    account: string,
    timestamp: string,
    nonce: string,
    message: string,
    secret: string,
  ): Promise<void> {
    await this.ensureTable();
    const key = keyedDigest(secret, message);
    const { rows } = await this.connections.eventStore.query<{ message_key: string }>(
      `INSERT INTO wechat_nonces (account, nonce, message_key) VALUES ($1, $2, $3)
         ON CONFLICT (account, nonce) DO UPDATE SET seen_at = wechat_nonces.seen_at
         RETURNING message_key`,
      [account, `${timestamp}:${nonce}`, key],
    );
    if (rows[0]?.message_key !== key)
      throw new UnauthorizedException(
        'signature check failed: this nonce has already signed another request',
      );
    if (++this.claims % 200 === 1) void this.forgetOld();
  }

  private async forgetOld(): Promise<void> {
    await this.connections.eventStore
      .query(`DELETE FROM wechat_nonces WHERE seen_at < now() - make_interval(secs => $1)`, [KEEP_SECONDS])
      .catch(() => undefined); // tried again after the next claims
  }
}
