#!/usr/bin/env node
// The local web server of `npm start`: a demo shop page that embeds the chat widget, on its own origin
// (http://127.0.0.1:3100 by default, WEB_HTTP_PORT), as a customer's site would.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`Usage: node tools/scripts/web.mjs

Serves the demo shop page (tools/demo-site) that embeds the chat widget.
  WEB_HTTP_PORT     its port (default 3100)
  CHANNELS_URL      where the widget comes from (default http://127.0.0.1:3101)
`);
  process.exit(0);
}

const port = Number(process.env.WEB_HTTP_PORT ?? 3100);
const channelsUrl = (process.env.CHANNELS_URL ?? 'http://127.0.0.1:3101').replace(/\/$/, '');
const page = readFileSync(join(root, 'tools', 'demo-site', 'index.html'), 'utf8').replaceAll(
  '{{CHANNELS_URL}}',
  channelsUrl,
);

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
  } else if (path === '/' || path === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(page);
  } else if (path === '/favicon.ico') {
    res.writeHead(204).end();
  } else if (path === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  } else {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  }
});
server.listen(port, '127.0.0.1', () => console.log(`demo site on http://127.0.0.1:${port}/`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
