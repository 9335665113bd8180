#!/usr/bin/env node
// The local web server of `npm start`, on its own origin (http://127.0.0.1:3100 by default): the agent
// workspace (apps/console) at /, and at /shop/ a demo shop page that embeds the chat widget, as a
// customer's site would.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`Usage: node tools/scripts/web.mjs

Serves the agent workspace (apps/console: public/ and the built dist/) at / and the demo shop page
with the chat widget (tools/demo-site) at /shop/.
  WEB_HTTP_PORT     its port (default 3100)
  WEB_HTTP_HOST     its address (default 127.0.0.1; 0.0.0.0 in a container)
  CHANNELS_URL, CONTACTS_URL, TICKETS_URL, KNOWLEDGE_URL, ANALYTICS_URL
                    where the services answer (defaults: http://127.0.0.1:3101 … 3105)
  ARTICLE_LINK_BASE where customers read a public article (default the local help centre)
  OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_SCOPE
                    sign agents in with this OpenID Connect provider (authorization code with PKCE;
                    client id default journey-console); without it a token is pasted or passed as #token=
`);
  process.exit(0);
}

const port = Number(process.env.WEB_HTTP_PORT ?? 3100);
// Loopback by default; 0.0.0.0 in a container behind an ingress.
const host = process.env.WEB_HTTP_HOST ?? '127.0.0.1';
const serviceUrl = (name, port) =>
  (process.env[`${name}_URL`] ?? `http://127.0.0.1:${port}`).replace(/\/$/, '');
const config = {
  channels: serviceUrl('CHANNELS', 3101),
  contacts: serviceUrl('CONTACTS', 3102),
  tickets: serviceUrl('TICKETS', 3103),
  knowledge: serviceUrl('KNOWLEDGE', 3104),
  analytics: serviceUrl('ANALYTICS', 3105),
};
config.articleLinkBase = process.env.ARTICLE_LINK_BASE ?? `${config.knowledge}/v1/help/articles`;
// Sign-in through the organisation's OpenID Connect provider (authorization code with PKCE).
if (process.env.OIDC_ISSUER) {
  config.oidc = {
    issuer: process.env.OIDC_ISSUER.replace(/\/$/, ''),
    clientId: process.env.OIDC_CLIENT_ID ?? 'journey-console',
    ...(process.env.OIDC_SCOPE ? { scope: process.env.OIDC_SCOPE } : {}),
  };
}

const shop = readFileSync(join(root, 'tools', 'demo-site', 'index.html'), 'utf8').replaceAll(
  '{{CHANNELS_URL}}',
  config.channels,
);
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};
const consoleRoots = {
  '/app/': join(root, 'apps', 'console', 'dist'),
  '/': join(root, 'apps', 'console', 'public'),
};
// The workspace calls only the services it is configured with; it runs no script from elsewhere.
const origins = [config.channels, config.contacts, config.tickets, config.knowledge, config.analytics];
// The provider's discovery document and token endpoint are fetched from the page too.
if (config.oidc) origins.push(new URL(config.oidc.issuer).origin);
const CSP = `default-src 'self'; connect-src 'self' ${origins.join(' ')}; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'`;

/** A file under one of the console's folders, or undefined (no path escapes its folder). */
function consoleFile(path) {
  for (const [prefix, dir] of Object.entries(consoleRoots)) {
    if (!path.startsWith(prefix)) continue;
    const rel = path === '/' ? 'index.html' : path.slice(prefix.length);
    const file = normalize(join(dir, rel));
    if (file.startsWith(dir + sep) && existsSync(file)) return file;
  }
  return undefined;
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
  } else if (path === '/shop' || path === '/shop/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(shop);
  } else if (path === '/config.json') {
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' })
      .end(JSON.stringify(config));
  } else if (path === '/favicon.ico') {
    res.writeHead(204).end();
  } else if (path === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  } else {
    const file = consoleFile(path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const type = TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
    res
      .writeHead(200, {
        'content-type': type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        ...(type.startsWith('text/html') ? { 'content-security-policy': CSP } : {}),
      })
      .end(readFileSync(file));
  }
});
server.listen(port, host, () =>
  console.log(
    `agent workspace on http://127.0.0.1:${port}/ and the demo shop on http://127.0.0.1:${port}/shop/`,
  ),
);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
