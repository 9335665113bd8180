import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey } from 'jose';
import { TokenRejected, TokenVerifier } from './token-verifier';

// Production mode: tokens come from an OIDC issuer and are checked against its JWKS, fetched over HTTP.
describe('TokenVerifier in oidc mode', () => {
  let server: Server;
  let jwksUrl: string;
  let signingKey: CryptoKey;
  let jwksRequests = 0;
  const issuer = 'https://login.example.test/realms/journey';

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    signingKey = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      jwksRequests += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const verifier = () =>
    new TokenVerifier({
      mode: 'oidc',
      localKeyFile: 'unused',
      issuer,
      audience: 'journey',
      jwksUrl,
      rolesClaim: 'realm_access.roles',
    });

  const sign = (claims: Record<string, unknown>, kid = 'k1') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(issuer)
      .setAudience('journey')
      .setSubject('agent-a')
      .setExpirationTime('5m')
      .sign(signingKey);

  it('accepts the issuer’s tokens and reads roles from a nested claim (Keycloak style)', async () => {
    const principal = await verifier().verify(
      await sign({ realm_access: { roles: ['agent', 'offline_access'] } }),
    );
    expect(principal).toMatchObject({ subject: 'agent-a', roles: ['agent'] });
    expect(jwksRequests).toBeGreaterThan(0);
  });

  it('refuses a token whose key id the JWKS does not list', async () => {
    await expect(verifier().verify(await sign({}, 'rotated-away'))).rejects.toThrow(TokenRejected);
  });
});
