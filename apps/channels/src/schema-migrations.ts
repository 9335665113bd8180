import type { SchemaMigration } from '@journey/eventstore';

/** WeChat's seen nonces (one message per nonce), in the state database. */
export const WECHAT_NONCES_MIGRATION: SchemaMigration = {
  name: 'channels:wechat-nonces',
  sql: `CREATE TABLE IF NOT EXISTS wechat_nonces (
  account     text NOT NULL,
  nonce       text NOT NULL,
  message_key text NOT NULL,
  seen_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, nonce)
);
CREATE INDEX IF NOT EXISTS wechat_nonces_seen_at ON wechat_nonces (seen_at);`,
};

/**
 * The tables the channels service owns in the state database, beside the platform's: what the migration
 * Job (`journey migrate`, from the service's build) applies and the service checks or applies when first needed.
 */
export const SCHEMA_MIGRATIONS: readonly SchemaMigration[] = [WECHAT_NONCES_MIGRATION];
