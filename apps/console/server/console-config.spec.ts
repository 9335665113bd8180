import { ConsoleConfigError, loadConsoleConfig } from './console-config';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConsoleConfig(env);
  } catch (err) {
    if (err instanceof ConsoleConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe("the console's settings", () => {
  it('default to npm start: loopback, port 3100, the services on their local ports, no sign-in provider', () => {
    expect(loadConsoleConfig({})).toEqual({
      port: 3100,
      host: '127.0.0.1',
      workspace: {
        channels: 'http://127.0.0.1:3101',
        contacts: 'http://127.0.0.1:3102',
        tickets: 'http://127.0.0.1:3103',
        knowledge: 'http://127.0.0.1:3104',
        analytics: 'http://127.0.0.1:3105',
        articleLinkBase: 'http://127.0.0.1:3104/v1/help/articles',
        rolesClaim: 'roles',
      },
      signInOrigins: [],
    });
  });

  it('take the public hosts, the article links, the provider and the metrics token', () => {
    const config = loadConsoleConfig({
      HTTP_PORT: '8080',
      HTTP_HOST: '0.0.0.0',
      KNOWLEDGE_URL: 'https://knowledge.example.com/',
      ARTICLE_LINK_BASE: 'https://help.example.com/articles/',
      OIDC_ISSUER: 'https://login.example.com/realms/journey/',
      OIDC_CLIENT_ID: 'agents',
      OIDC_SCOPE: 'openid profile',
      METRICS_TOKEN: 'sixteen-characters',
      OIDC_CONNECT_ORIGINS: 'https://oauth2.example.net, https://accounts.example.org:8443',
      AUTH_ROLES_CLAIM: 'realm_access.roles',
    });
    expect(config.signInOrigins).toEqual(['https://oauth2.example.net', 'https://accounts.example.org:8443']);
    expect(config.workspace.rolesClaim).toBe('realm_access.roles');
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', metricsToken: 'sixteen-characters' });
    expect(config.workspace).toMatchObject({
      knowledge: 'https://knowledge.example.com',
      articleLinkBase: 'https://help.example.com/articles',
      oidc: {
        issuer: 'https://login.example.com/realms/journey',
        clientId: 'agents',
        scope: 'openid profile',
      },
    });
  });

  it('name every setting that is wrong, and why', () => {
    expect(
      problemsOf({
        HTTP_PORT: '70000',
        CHANNELS_URL: 'javascript:alert(1)',
        TICKETS_URL: 'https://user:secret@tickets.example.com',
        ANALYTICS_URL: 'https://:secret@analytics.example.com',
        OIDC_CONNECT_ORIGINS: 'https://oauth2.example.net/token',
        AUTH_ROLES_CLAIM: '',
        CONTACTS_URL: 'https://contacts.example.com/?x=1',
        OIDC_CLIENT_ID: 'two words',
        OIDC_SCOPE: 'openid  profile',
        METRICS_TOKEN: 'short',
      }),
    ).toEqual([
      'HTTP_PORT: must be between 1 and 65535',
      'METRICS_TOKEN: must be at least 16 characters (it guards /metrics)',
      'CHANNELS_URL: must be an http or https URL without credentials, query or fragment',
      'CONTACTS_URL: must be an http or https URL without credentials, query or fragment',
      'TICKETS_URL: must be an http or https URL without credentials, query or fragment',
      'ANALYTICS_URL: must be an http or https URL without credentials, query or fragment',
      'OIDC_CLIENT_ID: must be 1 to 200 printable ASCII characters without spaces',
      'OIDC_SCOPE: must be scopes separated by single spaces',
      'OIDC_CONNECT_ORIGINS: must be a comma-separated list of origins (scheme://host[:port], no path)',
      'AUTH_ROLES_CLAIM: must name a claim',
    ]);
  });
});
