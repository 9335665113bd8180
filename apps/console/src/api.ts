import type { OidcSettings } from './oidc.js';

/** Where each service answers (config.json, written by whoever serves the console). */
export interface ConsoleConfig {
  channels: string;
  contacts: string;
  tickets: string;
  knowledge: string;
  analytics: string;
  /** Where a public article is read by customers: a link the agent inserts into a reply. */
  articleLinkBase: string;
  /** The organisation's OpenID Connect provider: agents sign in there (absent: a token is pasted). */
  oidc?: OidcSettings;
  /** Where a token holds its roles, a dotted path (AUTH_ROLES_CLAIM, as the services read it; default roles). */
  rolesClaim?: string;
}

export type Service = Exclude<keyof ConsoleConfig, 'articleLinkBase' | 'oidc' | 'rolesClaim'>;

/** What the token says of its holder (read, not verified: the services verify it). */
export interface Who {
  subject: string;
  roles: string[];
  expiresAt?: number;
}

const TOKEN_KEY = 'journey-console:token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The agent's session: the services' URLs and the bearer token every call carries. */
export class Api {
  constructor(
    readonly config: ConsoleConfig,
    private token: string,
    /** Called when a service refuses the token (expired, revoked): the page signs the agent out. */
    private readonly onUnauthorized: () => void = () => undefined,
  ) {}

  /** The token of #token=… (then removed from the address bar) or of this tab's storage. */
  static storedToken(): string | undefined {
    const fromHash = /(?:^|[#&])token=([^&]+)/.exec(location.hash)?.[1];
    if (fromHash) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(fromHash));
      history.replaceState(null, '', location.pathname + location.search + '#/');
    }
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  }

  static remember(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token.trim());
  }

  static forget(): void {
    sessionStorage.removeItem(TOKEN_KEY);
  }

  get bearer(): string {
    return this.token;
  }

  who(): Who {
    const payload = this.token.split('.')[1] ?? '';
    try {
      const bytes = Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
        c.charCodeAt(0),
      );
      const json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
      // The same dotted path the services read (e.g. realm_access.roles for Keycloak).
      const claimed = (this.config.rolesClaim ?? 'roles')
        .split('.')
        .reduce<unknown>(
          (node, key) =>
            node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
          json,
        );
      const roles = Array.isArray(claimed) ? claimed.filter((r): r is string => typeof r === 'string') : [];
      return {
        subject: String(json['sub'] ?? ''),
        roles,
        ...(typeof json['exp'] === 'number' ? { expiresAt: json['exp'] * 1000 } : {}),
      };
    } catch {
      return { subject: '', roles: [] };
    }
  }

  url(service: Service, path: string): string {
    return `${this.config[service].replace(/\/$/, '')}${path}`;
  }

  async call<T = Record<string, unknown>>(
    service: Service,
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<T> {
    const res = await fetch(this.url(service, path), {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    let body: unknown = {};
    try {
      body = text ? (JSON.parse(text) as unknown) : {};
    } catch {
      // not JSON: a proxy's error page, say; the status says what happened
    }
    if (!res.ok) {
      if (res.status === 401) this.onUnauthorized();
      const message = (body as { message?: unknown }).message;
      throw new ApiError(
        res.status,
        typeof message === 'string' ? message : `${res.status} ${res.statusText}`,
      );
    }
    return body as T;
  }
}
