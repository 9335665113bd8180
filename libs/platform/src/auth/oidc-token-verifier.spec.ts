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

// The issuer's key set over time: cached, refreshed when the issuer rotates, a removed key refused once the
// cache ages out; a JWKS server of the test's own whose keys the test changes.
describe('TokenVerifier in oidc mode: the JWKS cache and key rotation', () => {
  const issuer = 'https://login.example.test/realms/journey';
  let server: Server;
  let jwksUrl: string;
  let published: object[] = [];
  let fetches = 0;
  const keys = new Map<string, { privateKey: CryptoKey; jwk: object }>();

  beforeAll(async () => {
    for (const kid of ['old', 'new']) {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      keys.set(kid, { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } });
    }
    server = createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const publish = (...kids: string[]) => {
    published = kids.map((kid) => keys.get(kid)?.jwk ?? {});
  };
  const token = (kid: string) =>
    new SignJWT({ roles: ['agent'] })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(issuer)
      .setAudience('journey')
      .setSubject('agent-a')
      .setExpirationTime('5m')
      .sign(keys.get(kid)?.privateKey as CryptoKey);
  const verifier = (caching = { cacheMaxAgeMs: 60_000, cooldownMs: 200 }) =>
    new TokenVerifier(
      { mode: 'oidc', localKeyFile: 'unused', issuer, audience: 'journey', jwksUrl, rolesClaim: 'roles' },
      caching,
    );
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('fetches the key set once for many tokens', async () => {
    publish('old');
    fetches = 0;
    const v = verifier();
    for (let i = 0; i < 5; i++)
      await expect(v.verify(await token('old'))).resolves.toMatchObject({ roles: ['agent'] });
    expect(fetches).toBe(1);
  });

  it('takes the key the issuer rotated to without a restart, fetching again once the cool-down has passed', async () => {
    publish('old');
    fetches = 0;
    const v = verifier();
    await v.verify(await token('old'));
    publish('old', 'new');
    // Within the cool-down an unknown key id is refused without asking the issuer again.
    await expect(v.verify(await token('new'))).rejects.toThrow('token was not signed by a known key');
    expect(fetches).toBe(1);
    await sleep(250);
    await expect(v.verify(await token('new'))).resolves.toMatchObject({ subject: 'agent-a' });
    await expect(v.verify(await token('old'))).resolves.toMatchObject({ subject: 'agent-a' });
    expect(fetches).toBe(2);
  });

  it('refuses a key the issuer removed once the cache has aged out', async () => {
    publish('old', 'new');
    const v = verifier({ cacheMaxAgeMs: 300, cooldownMs: 100 });
    await v.verify(await token('old'));
    publish('new');
    // Still cached: a removed key lives at most cacheMaxAgeMs.
    await expect(v.verify(await token('old'))).resolves.toMatchObject({ subject: 'agent-a' });
    await sleep(350);
    await expect(v.verify(await token('old'))).rejects.toThrow('token was not signed by a known key');
    await expect(v.verify(await token('new'))).resolves.toMatchObject({ subject: 'agent-a' });
  });

  it('bounds the requests a flood of made-up key ids causes', async () => {
    publish('new');
    fetches = 0;
    const v = verifier({ cacheMaxAgeMs: 60_000, cooldownMs: 60_000 });
    await v.verify(await token('new'));
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'made-up' })
      .setIssuer(issuer)
      .setAudience('journey')
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(keys.get('new')?.privateKey as CryptoKey);
    for (let i = 0; i < 20; i++) await expect(v.verify(forged)).rejects.toThrow(TokenRejected);
    expect(fetches).toBe(1);
  });
});
