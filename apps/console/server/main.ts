// Telemetry first, so that the HTTP server loaded below is instrumented.
import './instrumentation';
import { join } from 'node:path';
import { prometheusMetrics } from '@journey/platform/telemetry';
import { ConsoleConfigError, loadConsoleConfig } from './console-config';
import { createConsoleServer } from './console-server';

// The console's own web server (the image's command): dist/server/main.js beside dist/app and public/.
const HELP = `Usage: node apps/console/dist/server/main.js

Serves the agent workspace: its pages at /, /config.json (where the services are, how agents sign in),
/health/live, /health/ready and /metrics (Prometheus).
  HTTP_PORT         its port (default 3100)
  HTTP_HOST         its address (default 127.0.0.1; 0.0.0.0 in a container)
  CHANNELS_URL, CONTACTS_URL, TICKETS_URL, KNOWLEDGE_URL, ANALYTICS_URL
                    the services' public URLs, as the agents' browsers reach them
                    (defaults: http://127.0.0.1:3101 … 3105, the ports of npm start)
  ARTICLE_LINK_BASE where customers read a public article (default KNOWLEDGE_URL/v1/help/articles)
  OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_SCOPE
                    sign agents in with this OpenID Connect provider (authorization code with PKCE; a
                    public client, default id journey-console); unset, a token is pasted or passed as #token=
  OIDC_CONNECT_ORIGINS
                    origins the sign-in calls beside the issuer's, when its discovery document puts the
                    token endpoint elsewhere (comma-separated)
  AUTH_ROLES_CLAIM  where tokens hold the agent's roles, as the services read it (default roles;
                    a dotted path such as realm_access.roles)
  METRICS_TOKEN     when set, /metrics asks for it as a bearer token
`;

function main(): void {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  let config;
  try {
    config = loadConsoleConfig();
  } catch (err) {
    if (!(err instanceof ConsoleConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const prometheus = prometheusMetrics();
  const { server, drain } = createConsoleServer({
    workspace: config.workspace,
    roots: { public: join(__dirname, '..', '..', 'public'), app: join(__dirname, '..', 'app') },
    ...(prometheus ? { metrics: (req, res) => prometheus.getMetricsRequestHandler(req, res) } : {}),
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    signInOrigins: config.signInOrigins,
    // The image's files are a release's: its versioned modules may be cached for good.
    immutable: process.env['NODE_ENV'] === 'production',
  });
  server.on('error', (err) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: 'console server failed', error: err.message })}\n`,
    );
    process.exit(1);
  });
  server.listen(config.port, config.host, () =>
    process.stdout.write(
      `${JSON.stringify({ level: 'info', msg: 'agent workspace listening', host: config.host, port: config.port })}\n`,
    ),
  );
  // The Deployment's preStop pause has already taken the pod out of the endpoints: stop taking connections,
  // let the requests in flight finish (at most 10 s), then exit.
  const stop = () => {
    drain();
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(0);
    }, 10_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
