import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { ServiceConfig } from '../config/service-config';
import { ensureLocalSigningKey } from './local-signing-key';
import { isRole } from './roles';
import type { Principal } from './roles';

/** Why a token was refused, in words fit for a 401 response. */
export class TokenRejected extends Error {
  override name = 'TokenRejected';
}

/**
 * How the issuer's key set is kept: fetched once and reused for `cacheMaxAgeMs` (a key the issuer removes
 * stops being accepted within that time), fetched again at once for a token whose key id it does not list
 * (the issuer rotated: its new key is taken without a restart), but not more often than every `cooldownMs`
 * (a flood of tokens with made-up key ids cannot turn into a flood of requests to the issuer).
 */
export interface JwksCaching {
  cacheMaxAgeMs: number;
  cooldownMs: number;
}

export const DEFAULT_JWKS_CACHING: JwksCaching = { cacheMaxAgeMs: 10 * 60_000, cooldownMs: 30_000 };

/** Verifies bearer tokens: the local development key, or an OIDC issuer's JWKS in production. */
export class TokenVerifier {
  private keys: Promise<JWTVerifyGetKey> | undefined;

  constructor(
    private readonly auth: ServiceConfig['auth'],
    private readonly jwks: JwksCaching = DEFAULT_JWKS_CACHING,
  ) {}

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.keySet(), {
        issuer: this.auth.issuer,
        audience: this.auth.audience,
        clockTolerance: 30,
        // A token without an expiry would be good forever once leaked.
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw new TokenRejected(describe(err));
    }
    if (!payload.sub) throw new TokenRejected('token has no subject');
    const claimed = readClaim(payload, this.auth.rolesClaim);
    const roles = Array.isArray(claimed) ? claimed.filter(isRole) : [];
    return { subject: payload.sub, roles, ...(payload.jti ? { tokenId: payload.jti } : {}) };
  }

  private keySet(): Promise<JWTVerifyGetKey> {
    this.keys ??=
      this.auth.mode === 'oidc'
        ? Promise.resolve(
            createRemoteJWKSet(new URL(this.auth.jwksUrl ?? ''), {
              cacheMaxAge: this.jwks.cacheMaxAgeMs,
              cooldownDuration: this.jwks.cooldownMs,
              timeoutDuration: 5_000,
            }),
          )
        : ensureLocalSigningKey(this.auth.localKeyFile).then((key) =>
            createLocalJWKSet({ keys: [key.publicJwk] }),
          );
    return this.keys;
  }
}

/** Reads a claim by dotted path, e.g. `roles` or `realm_access.roles` (Keycloak). */
function readClaim(payload: JWTPayload, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
      payload,
    );
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'exp' && err.reason === 'missing')
    return 'token has no expiry (exp claim)';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim "${err.claim}" is not accepted`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature is not valid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'token was not signed by a known key';
  if (err instanceof errors.JOSEError) return `token is not valid (${err.code})`;
  return 'token could not be verified';
}
