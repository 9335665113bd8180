import { z } from 'zod';

/**
 * Where the workspace's pages find the services, and how agents sign in: served as /config.json. The pages
 * read it as ConsoleConfig (src/api.ts, compiled for browsers apart from this server): the same shape.
 */
export interface WorkspaceConfig {
  channels: string;
  contacts: string;
  tickets: string;
  knowledge: string;
  analytics: string;
  /** Where customers read a public article: the link an agent inserts into a reply. */
  articleLinkBase: string;
  /** Sign-in through the organisation's OpenID Connect provider (authorization code with PKCE). */
  oidc?: { issuer: string; clientId: string; scope?: string };
  /** Where a token holds the agent's roles: the services' AUTH_ROLES_CLAIM (a dotted path). */
  rolesClaim: string;
}

export interface ConsoleServerConfig {
  port: number;
  host: string;
  /** When set, GET /metrics asks for this bearer token. */
  metricsToken?: string;
  workspace: WorkspaceConfig;
  /** Origins the sign-in calls beside the issuer's (a token endpoint elsewhere): the page's CSP allows them. */
  signInOrigins: string[];
}

type Service = 'channels' | 'contacts' | 'tickets' | 'knowledge' | 'analytics';
/** The services' ports under `npm start`. */
const LOCAL_PORTS: Record<Service, number> = {
  channels: 3101,
  contacts: 3102,
  tickets: 3103,
  knowledge: 3104,
  analytics: 3105,
};

/** An http(s) URL without query or fragment; a trailing slash is dropped. */
const baseUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (
        ['http:', 'https:'].includes(url.protocol) &&
        !url.search &&
        !url.hash &&
        !url.username &&
        !url.password
      );
    } catch {
      return false;
    }
  }, 'must be an http or https URL without credentials, query or fragment')
  .transform((value) => value.replace(/\/+$/, ''));

const schema = z.object({
  HTTP_PORT: z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(3100),
  HTTP_HOST: z.string().trim().min(1, 'must name an address').default('127.0.0.1'),
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (it guards /metrics)')
    .max(4096, 'must be at most 4096 characters')
    .optional(),
  CHANNELS_URL: baseUrl.optional(),
  CONTACTS_URL: baseUrl.optional(),
  TICKETS_URL: baseUrl.optional(),
  KNOWLEDGE_URL: baseUrl.optional(),
  ANALYTICS_URL: baseUrl.optional(),
  ARTICLE_LINK_BASE: baseUrl.optional(),
  OIDC_ISSUER: baseUrl.optional(),
  OIDC_CLIENT_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 printable ASCII characters without spaces')
    .default('journey-console'),
  OIDC_SCOPE: z
    .string()
    .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, 'must be scopes separated by single spaces')
    .max(1000, 'must be at most 1000 characters')
    .optional(),
  OIDC_CONNECT_ORIGINS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine(
      (origins) => origins.every((o) => /^https?:\/\/[^/?#@\s]+$/.test(o) && URL.canParse(o)),
      'must be a comma-separated list of origins (scheme://host[:port], no path)',
    ),
  // As the services take it (any claim name or dotted path); config.json carries it as a JSON string.
  AUTH_ROLES_CLAIM: z
    .string()
    .min(1, 'must name a claim')
    .max(200, 'must be at most 200 characters')
    .default('roles'),
});

/** Thrown when a setting is missing or malformed; its message names every problem. */
export class ConsoleConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`the console's settings are not valid:\n  ${problems.join('\n  ')}`);
    this.name = 'ConsoleConfigError';
  }
}

/**
 * The console server's settings from the environment. Unset service URLs default to the local ports of
 * `npm start`; in a cluster they are the services' public hosts behind the ingress.
 */
export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleServerConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    throw new ConsoleConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = parsed.data;
  const url = (service: Service) =>
    e[`${service.toUpperCase()}_URL` as 'CHANNELS_URL'] ?? `http://127.0.0.1:${LOCAL_PORTS[service]}`;
  const workspace: WorkspaceConfig = {
    channels: url('channels'),
    contacts: url('contacts'),
    tickets: url('tickets'),
    knowledge: url('knowledge'),
    analytics: url('analytics'),
    articleLinkBase: e.ARTICLE_LINK_BASE ?? `${url('knowledge')}/v1/help/articles`,
    rolesClaim: e.AUTH_ROLES_CLAIM,
    ...(e.OIDC_ISSUER
      ? {
          oidc: {
            issuer: e.OIDC_ISSUER,
            clientId: e.OIDC_CLIENT_ID,
            ...(e.OIDC_SCOPE ? { scope: e.OIDC_SCOPE } : {}),
          },
        }
      : {}),
  };
  return {
    port: e.HTTP_PORT,
    host: e.HTTP_HOST,
    ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}),
    workspace,
    signInOrigins: e.OIDC_CONNECT_ORIGINS.map((o) => new URL(o).origin),
  };
}

/**
 * The origins the workspace's pages may connect to: the services and the sign-in provider (its issuer, and
 * the origins its discovery document names for the token endpoint when they differ: OIDC_CONNECT_ORIGINS).
 */
export function connectOrigins(workspace: WorkspaceConfig, signInOrigins: string[] = []): string[] {
  const urls = [
    workspace.channels,
    workspace.contacts,
    workspace.tickets,
    workspace.knowledge,
    workspace.analytics,
    ...(workspace.oidc ? [workspace.oidc.issuer, ...signInOrigins] : []),
  ];
  return [...new Set(urls.map((u) => new URL(u).origin))];
}
