import { createHash, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { WorkspaceConfig } from './console-config';
import { connectOrigins } from './console-config';

/** A route the embedding server adds (the local web server's demo shop page). */
export interface ExtraPage {
  path: string;
  contentType: string;
  body: string;
}

export interface ConsoleServerOptions {
  workspace: WorkspaceConfig;
  /** public/ (index.html, console.css) served at /, and the compiled modules served at /app/. */
  roots: { public: string; app: string };
  /** GET /metrics: writes the Prometheus text format (absent: 503). */
  metrics?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The bearer token GET /metrics asks for, when set. */
  metricsToken?: string;
  /** Origins the sign-in calls beside the issuer's (OIDC_CONNECT_ORIGINS). */
  signInOrigins?: string[];
  extraPages?: ExtraPage[];
  /**
   * Whether the modules under /app/<build>/ may be cached for a year (a release's files never change: the
   * image). Off locally, where a rebuild changes them under the same build id.
   */
  immutable?: boolean;
}

export interface ConsoleServer {
  server: Server;
  /** Readiness answers 503 from now on: the pod leaves the Service while in-flight requests finish. */
  drain(): void;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

// Compiler outputs that are not for browsers: declarations, their maps, build info.
const NOT_SERVED = /\.(d\.ts|d\.ts\.map|tsbuildinfo)$/;

// Digests of equal length: the comparison tells nothing of the token's length either.
const digest = (text: string) => createHash('sha256').update(text).digest();
const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/**
 * A request target as a URL (its path and query), or undefined when it is not a plain path: '//host…', an
 * absolute URL, a backslash or an unparsable one (a bare `new URL` would throw on some of them, and read
 * '//app/x' as the host app).
 */
function requestUrl(target: string): URL | undefined {
  if (!target.startsWith('/') || target.startsWith('//') || target.includes('\\')) return undefined;
  try {
    return new URL(target, 'http://console.invalid');
  } catch {
    return undefined;
  }
}

/**
 * The build's id: a digest of the compiled modules. The page loads them under /app/<build>/, so that while a
 * rollout runs old and new replicas side by side, a page of one release never loads modules of the other
 * (a replica answers 404 for another release's path rather than mix them).
 */
function buildIdOf(roots: ConsoleServerOptions['roots']): string {
  const hash = createHash('sha256');
  // The modules, and the styles beside the page (console.css): a page loads both of its own release.
  for (const [name, dir] of Object.entries(roots)) {
    let files: string[] = [];
    try {
      files = readdirSync(dir, { recursive: true, encoding: 'utf8' });
    } catch {
      // Not built: nothing to serve there, the id says so.
    }
    for (const file of files
      .filter((f) => TYPES[extname(f)] && !NOT_SERVED.test(f) && !f.endsWith('.html'))
      .sort())
      hash
        .update(`${name}/${file}`)
        .update('\0')
        .update(readFileSync(join(dir, file)))
        .update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

const VERSIONED = /^\/app\/([0-9a-f]{12})\//;

/** The file a request path names under one of the roots, or undefined (no path leaves its root). */
function fileFor(path: string, roots: ConsoleServerOptions['roots']): string | undefined {
  // File names here are plain: an escaped or NUL character never names one of them.
  if (path.includes('%') || path.includes('\0')) return undefined;
  const [prefix, dir] = path.startsWith('/app/') ? ['/app/', roots.app] : ['/', roots.public];
  const rel = path === '/' ? 'index.html' : path.slice(prefix.length);
  const root = normalize(dir);
  const file = normalize(join(root, rel));
  if (!file.startsWith(root + sep) || NOT_SERVED.test(file)) return undefined;
  // No hidden file (a dot at the start of any part of the path).
  if (
    file
      .slice(root.length)
      .split(sep)
      .some((part) => part.startsWith('.'))
  )
    return undefined;
  return TYPES[extname(file)] ? file : undefined;
}

/**
 * The agent workspace's web server: the static single-page app, its /config.json (where the services
 * are, how agents sign in), the probes a Deployment needs and Prometheus metrics. It holds no session and
 * calls no service: the pages call the services' public APIs with the agent's token.
 */
export function createConsoleServer(options: ConsoleServerOptions): ConsoleServer {
  const config = JSON.stringify(options.workspace);
  // The pages call only the configured services and the sign-in provider; no script comes from elsewhere.
  const csp =
    `default-src 'self'; connect-src 'self' ${connectOrigins(options.workspace, options.signInOrigins).join(' ')}; ` +
    `img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; ` +
    `form-action 'self'; object-src 'none'`;
  const extra = new Map((options.extraPages ?? []).map((p) => [p.path, p]));
  const build = buildIdOf(options.roots);
  let draining = false;

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body?: string | Buffer,
  ) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    res.writeHead(status, { 'x-content-type-options': 'nosniff', ...length, ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const json = (req: IncomingMessage, res: ServerResponse, status: number, body: unknown) =>
    send(
      req,
      res,
      status,
      { 'content-type': 'application/json', 'cache-control': 'no-store' },
      JSON.stringify(body),
    );
  /** A plain-text answer: an error's reason. */
  const text = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ) => send(req, res, status, { 'content-type': 'text/plain; charset=utf-8', ...headers }, `${message}\n`);

  async function staticFile(
    req: IncomingMessage,
    res: ServerResponse,
    requested: string,
    query: URLSearchParams,
  ): Promise<void> {
    // /app/<build>/x.js is /app/x.js of this build, console.css?v=<build> its styles; another build's are not
    // served here (a page of another release gets 404 rather than a mix of both).
    const versioned = VERSIONED.exec(requested);
    const version = versioned?.[1] ?? query.get('v') ?? undefined;
    const path = versioned && version === build ? `/app/${requested.slice(versioned[0].length)}` : requested;
    const file = version === undefined || version === build ? fileFor(path, options.roots) : undefined;
    const info = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !info?.isFile()) {
      // Not kept by the browser: the same path may be served by a replica of its release a moment later.
      text(req, res, 404, 'not found', { 'cache-control': 'no-store' });
      return;
    }
    const type = TYPES[extname(file)] as string;
    const isPage = type.startsWith('text/html');
    // Pages and unversioned paths are revalidated on every load (unchanged files answer 304); a release's
    // versioned modules never change.
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}${isPage ? `-${build}` : ''}"`;
    const headers: Record<string, string> = {
      'content-type': type,
      'cache-control': version && options.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      etag,
      'referrer-policy': 'no-referrer',
      ...(isPage ? { 'content-security-policy': csp, 'cross-origin-opener-policy': 'same-origin' } : {}),
    };
    const known = (req.headers['if-none-match'] ?? '').split(',').map((tag) => tag.trim());
    if (known.includes(etag) || known.includes('*')) {
      send(req, res, 304, headers);
      return;
    }
    const body = await readFile(file).catch(() => undefined);
    if (!body) text(req, res, 404, 'not found');
    // A page loads this build's modules.
    else if (isPage)
      send(
        req,
        res,
        200,
        headers,
        body
          .toString('utf8')
          .replaceAll('"app/', `"app/${build}/`)
          .replaceAll('"console.css"', `"console.css?v=${build}"`),
      );
    else send(req, res, 200, headers, body);
  }

  function metrics(req: IncomingMessage, res: ServerResponse): void {
    if (options.metricsToken !== undefined) {
      const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!sameSecret(given, options.metricsToken)) {
        text(req, res, 401, 'a valid METRICS_TOKEN bearer token is needed', { 'www-authenticate': 'Bearer' });
        return;
      }
    }
    if (!options.metrics) {
      text(
        req,
        res,
        503,
        'metrics are not served here: telemetry is off or OTEL_METRICS_EXPORTER names another exporter',
      );
      return;
    }
    options.metrics(req, res);
  }

  const server = createServer((req, res) => {
    const url = requestUrl(req.url ?? '');
    if (url === undefined) {
      text(req, res, 400, 'bad request target');
      return;
    }
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      text(req, res, 405, 'method not allowed', { allow: 'GET, HEAD' });
      return;
    }
    const page = extra.get(path);
    if (page)
      send(req, res, 200, { 'content-type': page.contentType, 'cache-control': 'no-cache' }, page.body);
    else if (path === '/config.json')
      send(req, res, 200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }, config);
    else if (path === '/health/live') json(req, res, 200, { status: 'ok' });
    else if (path === '/health/ready')
      json(req, res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok' });
    else if (path === '/metrics') metrics(req, res);
    else if (path === '/favicon.ico') send(req, res, 204, {});
    else
      staticFile(req, res, path, url.searchParams).catch(() => {
        if (!res.headersSent) text(req, res, 500, 'error');
        else res.destroy();
      });
  });
  // Longer than an ingress controller's idle upstream connections (nginx: 60 s), so that the proxy, not
  // this server, closes an idle connection: no request is sent on a socket being closed.
  server.keepAliveTimeout = 65_000;
  // A client has 20 s for its headers and 30 s for its whole request (Node requires headers ≤ request).
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  return {
    server,
    drain: () => {
      draining = true;
    },
  };
}
