import { ConfigurationError, DEFAULT_HTTP_PORTS, loadServiceConfig } from './service-config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadServiceConfig('tickets', env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err.problems;
    throw err;
  }
  throw new Error('configuration was accepted');
}

describe('loadServiceConfig', () => {
  it('selects the event store by the URL scheme; KurrentDB needs a PostgreSQL state database beside it', () => {
    const pg = loadServiceConfig('contacts', { EVENTSTORE_URL: 'postgresql://u:p@db:5432/events' });
    expect(pg.eventStore).toEqual({ url: 'postgresql://u:p@db:5432/events', kind: 'postgres' });
    expect(pg.stateDatabase).toEqual({ url: 'postgresql://u:p@db:5432/events' });
    const kurrent = loadServiceConfig('contacts', {
      EVENTSTORE_URL: 'kurrentdb://kurrent:2113?tls=false',
      STATE_DATABASE_URL: 'postgres://u:p@db:5432/state',
    });
    expect(kurrent.eventStore).toEqual({ url: 'kurrentdb://kurrent:2113?tls=false', kind: 'kurrentdb' });
    expect(kurrent.stateDatabase).toEqual({ url: 'postgres://u:p@db:5432/state' });
    const cluster = { EVENTSTORE_URL: 'esdb+discover://a,b,c', STATE_DATABASE_URL: 'postgres://db/state' };
    expect(loadServiceConfig('contacts', cluster).eventStore.kind).toBe('kurrentdb');
  });

  it('refuses a KurrentDB event store without a state database, and other schemes', () => {
    expect(problemsOf({ EVENTSTORE_URL: 'kurrentdb://kurrent:2113' })).toEqual([
      expect.stringMatching(/^STATE_DATABASE_URL: is required when EVENTSTORE_URL is a KurrentDB URL/),
    ]);
    expect(problemsOf({ EVENTSTORE_URL: 'mysql://db/events' })).toEqual([
      expect.stringMatching(/^EVENTSTORE_URL: must be a PostgreSQL or KurrentDB URL/),
    ]);
  });

  it('gives each service its own default port, consumer group and read-model database', () => {
    for (const service of ['channels', 'contacts', 'tickets', 'knowledge', 'analytics'] as const) {
      const config = loadServiceConfig(service, {});
      expect(config.http.port).toBe(DEFAULT_HTTP_PORTS[service]);
      expect(config.kafka.consumerGroup).toBe(`journey-${service}`);
      expect(config.mongo.url).toContain(`/journey-${service}`);
    }
    expect(new Set(Object.values(DEFAULT_HTTP_PORTS)).size).toBe(5);
  });

  it('reads every variable it is given', () => {
    const config = loadServiceConfig('contacts', {
      HTTP_PORT: '4000',
      HTTP_HOST: '0.0.0.0',
      KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9092',
      EVENTSTORE_URL: 'postgresql://u:p@db:5432/events',
      MONGO_URL: 'mongodb+srv://cluster.example/views',
      AUTH_MODE: 'oidc',
      AUTH_JWKS_URL: 'https://login.example/.well-known/jwks.json',
      AUTH_ROLES_CLAIM: 'realm_access.roles',
    });
    expect(config.http).toEqual({
      host: '0.0.0.0',
      port: 4000,
      bodyLimit: '1mb',
      trustProxy: 0,
      corsOrigins: [],
      rateLimit: { perSecond: 50, burst: 200 },
      admission: { maxInFlight: 128, maxEventLoopDelayMs: 0, bodyTimeoutMs: 30_000 },
    });
    expect(config.kafka.brokers).toEqual(['kafka-0:9092', 'kafka-1:9092']);
    expect(config.auth).toMatchObject({ mode: 'oidc', rolesClaim: 'realm_access.roles' });
  });

  it('names the bad variable and the value it got', () => {
    expect(problemsOf({ HTTP_PORT: 'abc' })).toEqual([expect.stringMatching(/^HTTP_PORT: .*\(got "abc"\)$/)]);
    expect(problemsOf({ HTTP_PORT: '70000' })).toEqual([
      expect.stringMatching(/^HTTP_PORT: must be between 1 and 65535/),
    ]);
    expect(problemsOf({ LOG_LEVEL: 'loud' })).toEqual([
      expect.stringMatching(/^LOG_LEVEL: .*\(got "loud"\)$/),
    ]);
    expect(problemsOf({ KAFKA_BROKERS: 'not a broker' })).toEqual([
      expect.stringMatching(/^KAFKA_BROKERS: must be a comma-separated list of host:port/),
    ]);
  });

  it('takes a per-client rate limit, high enough by default for bursts of webhooks', () => {
    expect(
      loadServiceConfig('channels', {
        RATE_LIMIT_PER_SECOND: '5',
        RATE_LIMIT_BURST: '20',
        HTTP_TRUST_PROXY: '1',
      }).http,
    ).toMatchObject({ trustProxy: 1, rateLimit: { perSecond: 5, burst: 20 } });
    expect(problemsOf({ RATE_LIMIT_PER_SECOND: '0' })).toEqual([
      expect.stringMatching(/^RATE_LIMIT_PER_SECOND: must be at least 1 \(got "0"\)$/),
    ]);
    expect(problemsOf({ RATE_LIMIT_PER_SECOND: '100', RATE_LIMIT_BURST: '10' })).toEqual([
      'RATE_LIMIT_BURST: must be at least RATE_LIMIT_PER_SECOND (100) (got "10")',
    ]);
    expect(problemsOf({ HTTP_TRUST_PROXY: 'yes' })).toEqual([expect.stringMatching(/^HTTP_TRUST_PROXY: /)]);
  });

  it('lets the listed web origins call it from a browser, none by default', () => {
    expect(loadServiceConfig('channels', {}).http.corsOrigins).toEqual([]);
    expect(
      loadServiceConfig('channels', {
        HTTP_CORS_ORIGINS: 'https://www.example.com, http://127.0.0.1:8080',
      }).http.corsOrigins,
    ).toEqual(['https://www.example.com', 'http://127.0.0.1:8080']);
    expect(loadServiceConfig('channels', { HTTP_CORS_ORIGINS: '*' }).http.corsOrigins).toEqual(['*']);
    expect(problemsOf({ HTTP_CORS_ORIGINS: 'https://www.example.com/shop' })).toEqual([
      expect.stringMatching(/^HTTP_CORS_ORIGINS: must be \* or a comma-separated list of origins/),
    ]);
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ HTTP_PORT: 'x', READINESS_TIMEOUT_MS: '5', AUTH_MODE: 'saml' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'AUTH_MODE',
      'HTTP_PORT',
      'READINESS_TIMEOUT_MS',
    ]);
  });

  it('never prints the value of a secret variable', () => {
    const problems = problemsOf({ EVENTSTORE_URL: 'mysql://root:hunter2@db/x' });
    expect(problems).toEqual([
      expect.stringMatching(/^EVENTSTORE_URL: must be a PostgreSQL or KurrentDB URL/),
    ]);
    expect(problems.join()).not.toContain('hunter2');
  });

  it('requires a JWKS URL for OIDC and refuses local keys in production', () => {
    expect(problemsOf({ AUTH_MODE: 'oidc' })).toEqual(['AUTH_JWKS_URL: is required when AUTH_MODE=oidc']);
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^AUTH_MODE: must be oidc in production/),
      expect.stringMatching(/^PERSONAL_DATA_KEY: is required in production/),
      expect.stringMatching(/^ID_KEY: is required in production/),
    ]);
  });

  it('takes the personal-data master key only as 32 bytes, and never prints it', () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    expect(loadServiceConfig('contacts', { PERSONAL_DATA_KEY: key }).personalData).toEqual({
      key,
      keyFile: '.local/keys/personal-data.key',
      keyCache: { keys: 10_000, ttlMs: 60_000 },
    });
    const problems = problemsOf({ PERSONAL_DATA_KEY: 'c2hvcnQ=' });
    expect(problems).toEqual([expect.stringMatching(/^PERSONAL_DATA_KEY: must be 32 bytes in base64/)]);
    expect(problems.join()).not.toContain('c2hvcnQ=');
  });

  it('takes the keyed ids secret only as 32 bytes, and never prints it', () => {
    const key = Buffer.alloc(32, 4).toString('base64');
    expect(loadServiceConfig('contacts', { ID_KEY: key }).ids).toEqual({
      key,
      keyFile: '.local/keys/ids.key',
    });
    const problems = problemsOf({ ID_KEY: 'c2hvcnQ=' });
    expect(problems).toEqual([expect.stringMatching(/^ID_KEY: must be 32 bytes in base64/)]);
    expect(problems.join()).not.toContain('c2hvcnQ=');
  });

  it("relays the service's own context by default, any listed ones on request, none for analytics", () => {
    expect(loadServiceConfig('tickets', {}).kafka.relayContexts).toEqual(['tickets']);
    expect(loadServiceConfig('channels', {}).kafka.relayContexts).toEqual(['channels']);
    expect(loadServiceConfig('analytics', {}).kafka.relayContexts).toEqual([]);
    expect(loadServiceConfig('tickets', { RELAY_CONTEXTS: 'tickets, channels' }).kafka.relayContexts).toEqual(
      ['tickets', 'channels'],
    );
    expect(loadServiceConfig('tickets', { RELAY_CONTEXTS: 'none' }).kafka.relayContexts).toEqual([]);
    expect(problemsOf({ RELAY_CONTEXTS: 'tickets,analytics' })).toEqual([
      expect.stringMatching(
        /^RELAY_CONTEXTS: must be "none" or a comma-separated list of channels, contacts/,
      ),
    ]);
  });

  it('applies its schema at start by default, or only checks it when the migration Job does', () => {
    expect(loadServiceConfig('tickets', {}).databaseMigrations).toBe('apply');
    expect(loadServiceConfig('tickets', { DATABASE_MIGRATIONS: 'verify' }).databaseMigrations).toBe('verify');
    expect(problemsOf({ DATABASE_MIGRATIONS: 'skip' })).toEqual([
      'DATABASE_MIGRATIONS: must be apply or verify (got "skip")',
    ]);
  });

  it('authenticates to Kafka with SASL and TLS when told, and needs the whole set of settings', () => {
    const plain = loadServiceConfig('tickets', {});
    expect(plain.kafka.sasl).toBeUndefined();
    expect(plain.kafka.tls).toBeUndefined();
    const scram = loadServiceConfig('tickets', {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'journey-tickets',
      KAFKA_SASL_PASSWORD: 'pa55word-from-strimzi',
      KAFKA_TLS: 'true',
      KAFKA_TLS_CA_FILE: '/etc/journey/kafka-ca/ca.crt',
    });
    expect(scram.kafka.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'journey-tickets',
      password: 'pa55word-from-strimzi',
    });
    expect(scram.kafka.tls).toEqual({ caFile: '/etc/journey/kafka-ca/ca.crt' });
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' })).toEqual([
      'KAFKA_SASL_PASSWORD: is required when KAFKA_SASL_MECHANISM is set',
    ]);
    expect(problemsOf({ KAFKA_SASL_PASSWORD: 'secret-password' })).toEqual([
      expect.stringMatching(
        /^KAFKA_SASL_MECHANISM: is required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD/,
      ),
    ]);
    expect(
      problemsOf({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }),
    ).toEqual(['KAFKA_SASL_MECHANISM: must be one of scram-sha-512, scram-sha-256, plain (got "gssapi")']);
    expect(problemsOf({ KAFKA_TLS: 'yes' })).toEqual(['KAFKA_TLS: must be true or false (got "yes")']);
    expect(problemsOf({ KAFKA_TLS_CA_FILE: '/ca.crt' })).toEqual([
      'KAFKA_TLS: must be true when KAFKA_TLS_CA_FILE is set',
    ]);
    // PLAIN sends the password itself: not over an unencrypted connection in production.
    const production = {
      NODE_ENV: 'production',
      AUTH_MODE: 'oidc',
      AUTH_JWKS_URL: 'https://login.example.com/jwks',
      PERSONAL_DATA_KEY: Buffer.alloc(32, 1).toString('base64'),
      ID_KEY: Buffer.alloc(32, 2).toString('base64'),
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'very-secret-password',
    };
    const problems = problemsOf(production);
    expect(problems).toEqual([
      expect.stringMatching(/^KAFKA_TLS: must be true in production with KAFKA_SASL_MECHANISM=plain/),
    ]);
    expect(problems.join()).not.toContain('very-secret-password');
    expect(loadServiceConfig('tickets', { ...production, KAFKA_TLS: 'true' }).kafka.tls).toEqual({});
  });

  it('treats an empty variable as unset', () => {
    expect(loadServiceConfig('tickets', { HTTP_PORT: '' }).http.port).toBe(3103);
  });

  it('says which service the message is about', () => {
    expect(() => loadServiceConfig('knowledge', { HTTP_PORT: '-1' })).toThrow(
      /Invalid configuration for the knowledge service/,
    );
  });
});
