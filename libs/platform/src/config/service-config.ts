import { z } from 'zod';

export const SERVICE_NAMES = ['channels', 'contacts', 'tickets', 'knowledge', 'analytics'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** A web origin: scheme, host and an optional port, nothing after. */
const corsOrigin = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

export const DEFAULT_HTTP_PORTS: Readonly<Record<ServiceName, number>> = {
  channels: 3101,
  contacts: 3102,
  tickets: 3103,
  knowledge: 3104,
  analytics: 3105,
};

/** Variables whose values are never printed, not even in a configuration error. */
export const SECRET_VARIABLES = new Set([
  'EVENTSTORE_URL',
  'STATE_DATABASE_URL',
  'MONGO_URL',
  'PERSONAL_DATA_KEY',
  'ID_KEY',
  'METRICS_TOKEN',
  'KAFKA_SASL_PASSWORD',
]);

/** The contexts whose events go to Kafka, each to `journey.<context>.v1`, relayed by the service of that name. */
export const EVENT_CONTEXTS = ['channels', 'contacts', 'tickets', 'knowledge'] as const;
export type EventContext = (typeof EVENT_CONTEXTS)[number];

/** The contexts a service relays unless RELAY_CONTEXTS says otherwise: its own (analytics writes no events). */
export function defaultRelayContexts(service: ServiceName): EventContext[] {
  return (EVENT_CONTEXTS as readonly string[]).includes(service) ? [service as EventContext] : [];
}

const SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;

/** How a Kafka client authenticates and encrypts, as the KAFKA_SASL_* and KAFKA_TLS* variables say. */
export interface KafkaSecurity {
  /** SASL authentication (a Strimzi KafkaUser's SCRAM credentials); none: the listener's anonymous user. */
  sasl?: { mechanism: (typeof SASL_MECHANISMS)[number]; username: string; password: string };
  /** TLS to the brokers; `caFile` adds a CA (Strimzi's cluster CA) to the system's. */
  tls?: { caFile?: string };
}

/**
 * Reads KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_TLS and KAFKA_TLS_CA_FILE: the
 * services' configuration and the CLI share these rules. Problems name the variable, never the password.
 */
export function kafkaSecurityFromEnv(env: Partial<Record<string, string | undefined>>): {
  settings: KafkaSecurity;
  problems: { variable: string; message: string }[];
} {
  const problems: { variable: string; message: string }[] = [];
  const value = (name: string) => (env[name] === '' ? undefined : env[name]);
  const mechanism = value('KAFKA_SASL_MECHANISM');
  const username = value('KAFKA_SASL_USERNAME');
  const password = value('KAFKA_SASL_PASSWORD');
  const tls = value('KAFKA_TLS') ?? 'false';
  const caFile = value('KAFKA_TLS_CA_FILE');
  const settings: KafkaSecurity = {};
  if (tls !== 'true' && tls !== 'false')
    problems.push({ variable: 'KAFKA_TLS', message: 'must be true or false' });
  else if (tls === 'true') settings.tls = caFile ? { caFile } : {};
  else if (caFile)
    problems.push({ variable: 'KAFKA_TLS', message: 'must be true when KAFKA_TLS_CA_FILE is set' });
  if (mechanism !== undefined) {
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism))
      problems.push({
        variable: 'KAFKA_SASL_MECHANISM',
        message: `must be one of ${SASL_MECHANISMS.join(', ')}`,
      });
    if (!username)
      problems.push({
        variable: 'KAFKA_SASL_USERNAME',
        message: 'is required when KAFKA_SASL_MECHANISM is set',
      });
    if (!password)
      problems.push({
        variable: 'KAFKA_SASL_PASSWORD',
        message: 'is required when KAFKA_SASL_MECHANISM is set',
      });
    if (mechanism === 'plain' && tls !== 'true' && env['NODE_ENV'] === 'production')
      problems.push({
        variable: 'KAFKA_TLS',
        message:
          'must be true in production with KAFKA_SASL_MECHANISM=plain (the password would cross in clear)',
      });
    if (problems.length === 0 && username && password)
      settings.sasl = { mechanism: mechanism as (typeof SASL_MECHANISMS)[number], username, password };
  } else if (username || password) {
    problems.push({
      variable: 'KAFKA_SASL_MECHANISM',
      message: `is required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set (${SASL_MECHANISMS.join(', ')})`,
    });
  }
  return { settings, problems };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const hostPort = /^[A-Za-z0-9.-]+:\d{1,5}$/;

const POSTGRES_PROTOCOLS = ['postgres:', 'postgresql:'];
const KURRENTDB_PROTOCOLS = ['kurrentdb:', 'kurrentdb+discover:', 'esdb:', 'esdb+discover:'];

/** The adapter an event-store URL selects, by its scheme. */
export function eventStoreKind(url: string): 'postgres' | 'kurrentdb' {
  return KURRENTDB_PROTOCOLS.some((p) => url.startsWith(`${p}//`)) ? 'kurrentdb' : 'postgres';
}

const urlWithProtocols = (protocols: string[], what: string) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a ${what} URL (${protocols.map((p) => `${p}//…`).join(' or ')})` },
  );

const kafkaSecurityVariables = (cfg: {
  NODE_ENV: string;
  KAFKA_SASL_MECHANISM?: string | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
  KAFKA_TLS?: string | undefined;
  KAFKA_TLS_CA_FILE?: string | undefined;
}) => ({
  NODE_ENV: cfg.NODE_ENV,
  KAFKA_SASL_MECHANISM: cfg.KAFKA_SASL_MECHANISM,
  KAFKA_SASL_USERNAME: cfg.KAFKA_SASL_USERNAME,
  KAFKA_SASL_PASSWORD: cfg.KAFKA_SASL_PASSWORD,
  KAFKA_TLS: cfg.KAFKA_TLS,
  KAFKA_TLS_CA_FILE: cfg.KAFKA_TLS_CA_FILE,
});

function schemaFor(service: ServiceName) {
  return z
    .object({
      NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
      HTTP_HOST: z.string().min(1).default('127.0.0.1'),
      HTTP_PORT: z.coerce
        .number({ message: 'must be a port number' })
        .int('must be an integer port number')
        .min(1, 'must be between 1 and 65535')
        .max(65535, 'must be between 1 and 65535')
        .default(DEFAULT_HTTP_PORTS[service]),
      HTTP_BODY_LIMIT: z
        .string()
        .regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 512kb or 1mb')
        .default('1mb'),
      HTTP_TRUST_PROXY: z.coerce
        .number({ message: 'must be the number of proxies in front of the service (0 for none)' })
        .int('must be a whole number of proxies')
        .min(0, 'must be 0 or more')
        .max(10, 'must be at most 10')
        .default(0),
      RATE_LIMIT_PER_SECOND: z.coerce
        .number({ message: 'must be a number of requests per second' })
        .int('must be a whole number of requests per second')
        .min(1, 'must be at least 1')
        .max(100_000, 'must be at most 100000')
        .default(50),
      RATE_LIMIT_BURST: z.coerce
        .number({ message: 'must be a number of requests' })
        .int('must be a whole number of requests')
        .min(1, 'must be at least 1')
        .max(1_000_000, 'must be at most 1000000')
        .default(200),
      HTTP_MAX_IN_FLIGHT: z.coerce
        .number({ message: 'must be a number of requests' })
        .int('must be a whole number of requests')
        .min(1, 'must be at least 1')
        .max(100_000, 'must be at most 100000')
        .default(128),
      HTTP_BODY_TIMEOUT_MS: z.coerce
        .number({ message: 'must be a number of milliseconds' })
        .int('must be a whole number of milliseconds')
        .min(100, 'must be at least 100')
        .max(3_600_000, 'must be at most 3600000')
        .default(30_000),
      HTTP_MAX_EVENT_LOOP_DELAY_MS: z.coerce
        .number({ message: 'must be a number of milliseconds (0 for no check)' })
        .int('must be a whole number of milliseconds')
        .min(0, 'must be 0 (no check) or more')
        .max(60_000, 'must be at most 60000')
        .default(0),
      HTTP_CORS_ORIGINS: z
        .string()
        .optional()
        .transform((value) =>
          (value ?? '')
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean),
        )
        .refine((origins) => origins.every((o) => o === '*' || corsOrigin.test(o)), {
          message: 'must be * or a comma-separated list of origins such as https://www.example.com',
        }),
      METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
      LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
      KAFKA_BROKERS: z
        .string()
        .default('127.0.0.1:19092')
        .transform((value) =>
          value
            .split(',')
            .map((b) => b.trim())
            .filter(Boolean),
        )
        .refine((brokers) => brokers.length > 0 && brokers.every((b) => hostPort.test(b)), {
          message: 'must be a comma-separated list of host:port',
        }),
      KAFKA_CLIENT_ID: z.string().min(1).default(`journey-${service}`),
      KAFKA_CONSUMER_GROUP: z.string().min(1).default(`journey-${service}`),
      KAFKA_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(3),
      // Checked together by kafkaSecurityFromEnv (below), which the CLI uses too.
      KAFKA_SASL_MECHANISM: z.string().optional(),
      KAFKA_SASL_USERNAME: z.string().max(256).optional(),
      KAFKA_SASL_PASSWORD: z.string().max(1024).optional(),
      KAFKA_TLS: z.string().optional(),
      KAFKA_TLS_CA_FILE: z.string().optional(),
      RELAY_CONTEXTS: z
        .union([
          z.literal('none').transform((): string[] => []),
          z
            .string()
            .transform((value) =>
              value
                .split(',')
                .map((c) => c.trim())
                .filter(Boolean),
            )
            .refine((contexts) => contexts.every((c) => (EVENT_CONTEXTS as readonly string[]).includes(c)), {
              message: `must be "none" or a comma-separated list of ${EVENT_CONTEXTS.join(', ')}`,
            }),
        ])
        .optional(),
      EVENTSTORE_URL: urlWithProtocols(
        [...POSTGRES_PROTOCOLS, ...KURRENTDB_PROTOCOLS],
        'PostgreSQL or KurrentDB',
      ).default('postgres://journey:journey@127.0.0.1:15432/journey'),
      STATE_DATABASE_URL: urlWithProtocols(POSTGRES_PROTOCOLS, 'PostgreSQL').optional(),
      // Read by the event store library where each schema is made (migrationModeFromEnv); checked here.
      DATABASE_MIGRATIONS: z
        .enum(['apply', 'verify'], { message: 'must be apply or verify' })
        .default('apply'),
      MONGO_URL: urlWithProtocols(['mongodb:', 'mongodb+srv:'], 'MongoDB').default(
        `mongodb://127.0.0.1:27018/journey-${service}`,
      ),
      READINESS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
      AGGREGATE_CACHE_STREAMS: z.coerce.number().int().min(0).max(1_000_000).default(5_000),
      AGGREGATE_CACHE_TTL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
      AUTH_MODE: z.enum(['local', 'oidc']).default('local'),
      AUTH_LOCAL_KEY_FILE: z.string().min(1).default('.local/auth/signing-key.json'),
      AUTH_ISSUER: z.string().min(1).default('journey-local'),
      AUTH_AUDIENCE: z.string().min(1).default('journey'),
      AUTH_JWKS_URL: urlWithProtocols(['https:', 'http:'], 'JWKS').optional(),
      AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
      PERSONAL_DATA_KEY: z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, {
          message: 'must be 32 bytes in base64 (e.g. openssl rand -base64 32)',
        })
        .optional(),
      PERSONAL_DATA_KEY_FILE: z.string().min(1).default('.local/keys/personal-data.key'),
      DATA_KEY_CACHE_KEYS: z.coerce
        .number({ message: 'must be a number of keys (0 for none)' })
        .int('must be a whole number of keys')
        .min(0, 'must be 0 (no cache) or more')
        .max(1_000_000, 'must be at most 1000000')
        .default(10_000),
      DATA_KEY_CACHE_TTL_MS: z.coerce
        .number({ message: 'must be a number of milliseconds' })
        .int('must be a whole number of milliseconds')
        .min(1_000, 'must be at least 1000')
        .max(600_000, 'must be at most 600000 (an erasure elsewhere reaches this memory within it)')
        .default(60_000),
      ID_KEY: z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, {
          message: 'must be 32 bytes in base64 (e.g. openssl rand -base64 32)',
        })
        .optional(),
      ID_KEY_FILE: z.string().min(1).default('.local/keys/ids.key'),
    })
    .superRefine((cfg, ctx) => {
      if (eventStoreKind(cfg.EVENTSTORE_URL) === 'kurrentdb' && !cfg.STATE_DATABASE_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['STATE_DATABASE_URL'],
          message:
            'is required when EVENTSTORE_URL is a KurrentDB URL: the key vault, the relay checkpoints and lock, and the parked streams live in PostgreSQL',
        });
      }
      const kafkaSecurity = kafkaSecurityFromEnv(kafkaSecurityVariables(cfg));
      for (const problem of kafkaSecurity.problems)
        ctx.addIssue({ code: 'custom', path: [problem.variable], message: problem.message });
      if (cfg.RATE_LIMIT_BURST < cfg.RATE_LIMIT_PER_SECOND) {
        ctx.addIssue({
          code: 'custom',
          path: ['RATE_LIMIT_BURST'],
          message: `must be at least RATE_LIMIT_PER_SECOND (${cfg.RATE_LIMIT_PER_SECOND})`,
        });
      }
      if (cfg.AUTH_MODE === 'oidc' && !cfg.AUTH_JWKS_URL) {
        ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_URL'], message: 'is required when AUTH_MODE=oidc' });
      }
      if (cfg.NODE_ENV === 'production' && cfg.AUTH_MODE === 'local') {
        ctx.addIssue({
          code: 'custom',
          path: ['AUTH_MODE'],
          message: 'must be oidc in production (local signing keys are for development and tests)',
        });
      }
      if (cfg.NODE_ENV === 'production' && !cfg.PERSONAL_DATA_KEY) {
        ctx.addIssue({
          code: 'custom',
          path: ['PERSONAL_DATA_KEY'],
          message: 'is required in production (the master key that wraps the per-customer data keys)',
        });
      }
      if (cfg.NODE_ENV === 'production' && !cfg.ID_KEY) {
        ctx.addIssue({
          code: 'custom',
          path: ['ID_KEY'],
          message:
            'is required in production (the secret from which contact and conversation ids are derived)',
        });
      }
    });
}

type Env = z.output<ReturnType<typeof schemaFor>>;

/** The validated configuration of one service. */
export interface ServiceConfig {
  service: ServiceName;
  env: Env['NODE_ENV'];
  http: {
    host: string;
    port: number;
    bodyLimit: string;
    /** How many reverse proxies sit in front (their X-Forwarded-For gives the client's address). */
    trustProxy: number;
    /** Per client: RATE_LIMIT_BURST requests per RATE_LIMIT_BURST / RATE_LIMIT_PER_SECOND seconds. */
    rateLimit: { perSecond: number; burst: number };
    /** Load shedding: past these, a request is answered 503 with Retry-After (see admissionControl). */
    admission: { maxInFlight: number; maxEventLoopDelayMs: number; bodyTimeoutMs: number };
    /**
     * The web origins whose pages may call this service from a browser (the chat widget on the
     * company's sites, the agent workspace on another host): CORS without credentials, since every
     * credential travels in a header. Empty: none (same-origin only); `*`: any page.
     */
    corsOrigins: string[];
    /** When set, GET /metrics asks for `Authorization: Bearer <token>` (Prometheus' bearer_token). */
    metricsToken?: string;
  };
  logLevel: Env['LOG_LEVEL'];
  kafka: {
    brokers: string[];
    clientId: string;
    consumerGroup: string;
    /** Partitions a replica-safe consumer (identity resolution, live projections) handles at once. */
    partitionsConcurrently: number;
    sasl?: KafkaSecurity['sasl'];
    tls?: KafkaSecurity['tls'];
    /** The contexts whose events this service's outbox relay publishes (one relay, one lock, per context). */
    relayContexts: EventContext[];
  };
  /** Where the events are: PostgreSQL (the default) or KurrentDB, chosen by the URL's scheme. */
  eventStore: { url: string; kind: 'postgres' | 'kurrentdb' };
  /** PostgreSQL for what is not events: data keys, relay checkpoints and lock, parked streams. */
  stateDatabase: { url: string };
  /** `apply`: the service makes its schema at start; `verify`: it checks that the migration Job did. */
  databaseMigrations: 'apply' | 'verify';
  mongo: { url: string };
  readinessTimeoutMs: number;
  /** Deciders' states kept between commands, per kind of stream (0 streams: off); see AggregateCache. */
  aggregateCache: { streams: number; ttlMs: number };
  auth: {
    mode: 'local' | 'oidc';
    localKeyFile: string;
    issuer: string;
    audience: string;
    jwksUrl?: string;
    rolesClaim: string;
  };
  /** The master key wrapping the per-customer data keys: given, or (outside production) a local file. */
  personalData: {
    key?: string;
    keyFile: string;
    /** Data keys held in memory: at most `keys` subjects' (0: none), each for `ttlMs`. */
    keyCache: { keys: number; ttlMs: number };
  };
  /** The secret of the installation's keyed ids: given, or (outside production) a local file. */
  ids: { key?: string; keyFile: string };
}

/** Thrown when the environment does not hold a valid configuration; its message names every bad variable. */
export class ConfigurationError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration for the ${service} service:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/** Validates the environment once at start-up; throws {@link ConfigurationError} naming each bad variable. */
export function loadServiceConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  // An empty variable counts as unset, as in most deployment tools.
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schemaFor(service).safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(environment)');
      const raw = input[variable];
      const shown = raw === undefined || SECRET_VARIABLES.has(variable) ? '' : ` (got "${raw}")`;
      return `${variable}: ${issue.message}${shown}`;
    });
    throw new ConfigurationError(service, problems);
  }
  const e = parsed.data;
  return {
    service,
    env: e.NODE_ENV,
    http: {
      host: e.HTTP_HOST,
      port: e.HTTP_PORT,
      bodyLimit: e.HTTP_BODY_LIMIT,
      trustProxy: e.HTTP_TRUST_PROXY,
      rateLimit: { perSecond: e.RATE_LIMIT_PER_SECOND, burst: e.RATE_LIMIT_BURST },
      admission: {
        maxInFlight: e.HTTP_MAX_IN_FLIGHT,
        maxEventLoopDelayMs: e.HTTP_MAX_EVENT_LOOP_DELAY_MS,
        bodyTimeoutMs: e.HTTP_BODY_TIMEOUT_MS,
      },
      corsOrigins: e.HTTP_CORS_ORIGINS,
      ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}),
    },
    logLevel: e.LOG_LEVEL,
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      consumerGroup: e.KAFKA_CONSUMER_GROUP,
      partitionsConcurrently: e.KAFKA_PARTITIONS_CONCURRENTLY,
      ...kafkaSecurityFromEnv(kafkaSecurityVariables(e)).settings,
      relayContexts: (e.RELAY_CONTEXTS as EventContext[] | undefined) ?? defaultRelayContexts(service),
    },
    eventStore: { url: e.EVENTSTORE_URL, kind: eventStoreKind(e.EVENTSTORE_URL) },
    stateDatabase: { url: e.STATE_DATABASE_URL ?? e.EVENTSTORE_URL },
    databaseMigrations: e.DATABASE_MIGRATIONS,
    mongo: { url: e.MONGO_URL },
    readinessTimeoutMs: e.READINESS_TIMEOUT_MS,
    aggregateCache: { streams: e.AGGREGATE_CACHE_STREAMS, ttlMs: e.AGGREGATE_CACHE_TTL_MS },
    auth: {
      mode: e.AUTH_MODE,
      localKeyFile: e.AUTH_LOCAL_KEY_FILE,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      ...(e.AUTH_JWKS_URL ? { jwksUrl: e.AUTH_JWKS_URL } : {}),
      rolesClaim: e.AUTH_ROLES_CLAIM,
    },
    personalData: {
      ...(e.PERSONAL_DATA_KEY ? { key: e.PERSONAL_DATA_KEY } : {}),
      keyFile: e.PERSONAL_DATA_KEY_FILE,
      keyCache: { keys: e.DATA_KEY_CACHE_KEYS, ttlMs: e.DATA_KEY_CACHE_TTL_MS },
    },
    ids: { ...(e.ID_KEY ? { key: e.ID_KEY } : {}), keyFile: e.ID_KEY_FILE },
  };
}
