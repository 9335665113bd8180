#!/usr/bin/env node
// The local web server of `npm start`, on its own origin (http://127.0.0.1:3100 by default): the agent
// workspace's own server (apps/console/server, as its image runs it) and, at /shop/, a demo shop page that
// embeds the chat widget, as a customer's site would.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`Usage: node tools/scripts/web.mjs

Serves the agent workspace (apps/console, built) at / and the demo shop page with the chat widget
(tools/demo-site) at /shop/.
  WEB_HTTP_PORT     its port (default 3100)
  WEB_HTTP_HOST     its address (default 127.0.0.1)
  CHANNELS_URL, CONTACTS_URL, TICKETS_URL, KNOWLEDGE_URL, ANALYTICS_URL
                    where the services answer (defaults: http://127.0.0.1:3101 … 3105)
  ARTICLE_LINK_BASE where customers read a public article (default the local help centre)
  OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_SCOPE
                    sign agents in with this OpenID Connect provider (authorization code with PKCE;
                    client id default journey-console); without it a token is pasted or passed as #token=
In a cluster the workspace runs from its image: node apps/console/dist/server/main.js --help.
`);
  process.exit(0);
}

const server = join(root, 'apps', 'console', 'dist', 'server');
const compiled = (file) => pathToFileURL(join(server, file)).href;
let consoleServer;
try {
  consoleServer = {
    ...(await import(compiled('console-config.js'))),
    ...(await import(compiled('console-server.js'))),
  };
} catch (err) {
  const unbuilt = err?.code === 'ERR_MODULE_NOT_FOUND';
  process.stderr.write(
    unbuilt
      ? 'web: the console is not built (run `npx nx run-many -t build` first)\n'
      : `web: the console's server failed to load: ${err?.message ?? err}\n`,
  );
  process.exit(1);
}
const { ConsoleConfigError, createConsoleServer, loadConsoleConfig } = consoleServer;

let config;
try {
  config = loadConsoleConfig({
    ...process.env,
    HTTP_PORT: process.env.WEB_HTTP_PORT ?? '3100',
    HTTP_HOST: process.env.WEB_HTTP_HOST ?? '127.0.0.1',
  });
} catch (err) {
  if (!(err instanceof ConsoleConfigError)) throw err;
  process.stderr.write(`web: ${err.message.replaceAll('HTTP_', 'WEB_HTTP_')}\n`);
  process.exit(1);
}

const shop = readFileSync(join(root, 'tools', 'demo-site', 'index.html'), 'utf8').replaceAll(
  '{{CHANNELS_URL}}',
  config.workspace.channels,
);
const shopPage = (path) => ({ path, contentType: 'text/html; charset=utf-8', body: shop });
const { server: http } = createConsoleServer({
  workspace: config.workspace,
  roots: {
    public: join(root, 'apps', 'console', 'public'),
    app: join(root, 'apps', 'console', 'dist', 'app'),
  },
  signInOrigins: config.signInOrigins,
  extraPages: [shopPage('/shop'), shopPage('/shop/')],
});
http.listen(config.port, config.host, () =>
  console.log(
    `agent workspace on http://127.0.0.1:${config.port}/ and the demo shop on http://127.0.0.1:${config.port}/shop/`,
  ),
);
for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => {
    http.close(() => process.exit(0));
    http.closeIdleConnections();
  });
