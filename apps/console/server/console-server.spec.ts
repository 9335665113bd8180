import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConsoleConfig } from './console-config';
import type { ConsoleServer, ConsoleServerOptions } from './console-server';
import { createConsoleServer } from './console-server';

// The workspace's server on a real socket, over a folder laid out as the build lays it out.
const dir = mkdtempSync(join(tmpdir(), 'console-server-'));
const roots = { public: join(dir, 'public'), app: join(dir, 'dist', 'app') };
mkdirSync(roots.public, { recursive: true });
mkdirSync(roots.app, { recursive: true });
mkdirSync(join(dir, 'dist', 'server'), { recursive: true });
writeFileSync(
  join(roots.public, 'index.html'),
  '<!doctype html><link rel="stylesheet" href="console.css" /><script type="module" src="app/main.js"></script>',
);
writeFileSync(join(roots.public, 'console.css'), 'body{}');
writeFileSync(join(roots.public, 'notes.txt'), 'not a page');
writeFileSync(join(roots.app, 'main.js'), 'export {};');
writeFileSync(join(roots.app, 'main.js.map'), '{}');
writeFileSync(join(roots.app, 'main.d.ts'), 'export {};');
writeFileSync(join(roots.app, 'main.d.ts.map'), '{}');
writeFileSync(join(roots.app, 'tsconfig.tsbuildinfo'), '{}');
writeFileSync(join(dir, 'dist', 'server', 'main.js'), 'server code');

const workspace = loadConsoleConfig({
  CHANNELS_URL: 'https://channels.journey.example.com',
  CONTACTS_URL: 'https://contacts.journey.example.com',
  TICKETS_URL: 'https://tickets.journey.example.com/',
  KNOWLEDGE_URL: 'https://knowledge.journey.example.com',
  ANALYTICS_URL: 'https://analytics.journey.example.com',
  OIDC_ISSUER: 'https://login.example.com/realms/journey',
}).workspace;

const running: ConsoleServer[] = [];
async function start(
  extra: Partial<ConsoleServerOptions> = {},
): Promise<{ url: string; console: ConsoleServer }> {
  const app = createConsoleServer({ workspace, roots, ...extra });
  running.push(app);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, console: app };
}

afterAll(async () => {
  for (const { server } of running) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the console server', () => {
  it('serves the page under a CSP that allows the configured services and the sign-in provider only', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    const connect = /connect-src ([^;]+)/.exec(csp)?.[1]?.split(' ');
    expect(connect).toEqual([
      "'self'",
      'https://channels.journey.example.com',
      'https://contacts.journey.example.com',
      'https://tickets.journey.example.com',
      'https://knowledge.journey.example.com',
      'https://analytics.journey.example.com',
      'https://login.example.com',
    ]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await res.text()).toMatch(/src="app\/[0-9a-f]{12}\/main\.js"/);
  });

  it('serves the compiled modules and styles with their types, and nothing the compiler leaves for itself', async () => {
    const { url } = await start();
    const status = async (path: string) => (await fetch(`${url}${path}`)).status;
    const js = await fetch(`${url}/app/main.js`);
    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await fetch(`${url}/console.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await status('/app/main.js.map')).toBe(200);
    for (const hidden of ['/app/main.d.ts', '/app/main.d.ts.map', '/app/tsconfig.tsbuildinfo', '/notes.txt'])
      expect({ hidden, status: await status(hidden) }).toEqual({ hidden, status: 404 });
  });

  it('lets no path leave its folder', async () => {
    const { url } = await start();
    const http = await import('node:http');
    // fetch normalises dot segments: send them as written.
    const raw = (path: string) =>
      new Promise<number>((resolve, reject) =>
        http
          .get(`${url}${path}`, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject),
      );
    for (const path of [
      '/app/../server/main.js',
      '/app/../../dist/server/main.js',
      '/../dist/server/main.js',
      '/app/%2e%2e/server/main.js',
      '/app/..%2fserver/main.js',
      '/%00index.html',
    ])
      expect({ path, status: await raw(path) }).toEqual({ path, status: 404 });
  });

  it('answers a revalidation of an unchanged file with 304', async () => {
    const { url } = await start();
    const first = await fetch(`${url}/app/main.js`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await fetch(`${url}/app/main.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('allows the sign-in origins beside the issuer in its CSP, when the token endpoint is elsewhere', async () => {
    const { url } = await start({ signInOrigins: ['https://oauth2.example.net'] });
    const csp = (await fetch(`${url}/`)).headers.get('content-security-policy') ?? '';
    expect(/connect-src ([^;]+)/.exec(csp)?.[1]?.split(' ').slice(-2)).toEqual([
      'https://login.example.com',
      'https://oauth2.example.net',
    ]);
  });

  it('serves /config.json: the services, the article links and the sign-in provider', async () => {
    const { url } = await start();
    expect(await (await fetch(`${url}/config.json`)).json()).toEqual({
      channels: 'https://channels.journey.example.com',
      contacts: 'https://contacts.journey.example.com',
      tickets: 'https://tickets.journey.example.com',
      knowledge: 'https://knowledge.journey.example.com',
      analytics: 'https://analytics.journey.example.com',
      articleLinkBase: 'https://knowledge.journey.example.com/v1/help/articles',
      oidc: { issuer: 'https://login.example.com/realms/journey', clientId: 'journey-console' },
      rolesClaim: 'roles',
    });
  });

  it('refuses methods other than GET and HEAD, and answers HEAD without a body', async () => {
    const { url } = await start();
    const post = await fetch(`${url}/`, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const head = await fetch(`${url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('is live and ready, and no longer ready once it drains', async () => {
    const { url, console: app } = await start();
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    app.drain();
    const ready = await fetch(`${url}/health/ready`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'draining' }]);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('serves metrics to the holder of METRICS_TOKEN only, and says when none are kept', async () => {
    const metrics: ConsoleServerOptions['metrics'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('http_server_request_duration_count 1\n');
    };
    const guarded = await start({ metrics, metricsToken: 'a-metrics-token-of-some-length' });
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
    expect(
      (
        await fetch(`${guarded.url}/metrics`, {
          headers: { authorization: 'Bearer another-token-of-that-size' },
        })
      ).status,
    ).toBe(401);
    const ok = await fetch(`${guarded.url}/metrics`, {
      headers: { authorization: 'Bearer a-metrics-token-of-some-length' },
    });
    expect([ok.status, await ok.text()]).toEqual([200, 'http_server_request_duration_count 1\n']);
    const none = await start();
    const off = await fetch(`${none.url}/metrics`);
    expect([off.status, await off.text()]).toEqual([
      503,
      expect.stringMatching(/^metrics are not served here/),
    ]);
  });

  it('serves the pages the embedding server adds', async () => {
    const { url } = await start({ extraPages: [{ path: '/shop/', contentType: 'text/html', body: 'shop' }] });
    expect(await (await fetch(`${url}/shop/`)).text()).toBe('shop');
  });
});

describe('the console server, against odd requests', () => {
  /** The status of a raw request target (fetch would normalise it). */
  const raw = async (target: string, headers: Record<string, string> = {}, method = 'GET') => {
    const { url } = await start({ workspace, roots });
    const http = await import('node:http');
    return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) =>
      http
        .request(`${url}/`, { path: target, headers, method }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
        })
        .on('error', reject)
        .end(),
    );
  };

  it('answers 400 to a target that is not a plain path, and keeps serving', async () => {
    for (const target of ['//', '//?a', '//[/x', '//app/main.js', 'http://elsewhere/', '/\\app/main.js'])
      expect({ target, status: (await raw(target)).status }).toEqual({ target, status: 400 });
    expect((await raw('/')).status).toBe(200);
  });

  it('serves no hidden file', async () => {
    writeFileSync(join(roots.public, '.secret.html'), 'hidden');
    expect((await raw('/.secret.html')).status).toBe(404);
  });

  it('says the length of a page, also to HEAD, and revalidates against any of several tags', async () => {
    const head = await raw('/app/main.js', {}, 'HEAD');
    expect(head.headers['content-length']).toBe(String('export {};'.length));
    const etag = String(head.headers['etag']);
    expect((await raw('/app/main.js', { 'if-none-match': `W/"other", ${etag}` })).status).toBe(304);
    expect((await raw('/app/main.js', { 'if-none-match': '*' })).status).toBe(304);
  });
});

describe("the console server's releases", () => {
  it("has the page load this build's modules under a path of their own, cached for good in a release", async () => {
    const { url } = await start({ immutable: true });
    const page = await (await fetch(`${url}/`)).text();
    const build = /src="app\/([0-9a-f]{12})\/main\.js"/.exec(page)?.[1];
    expect(build).toBeDefined();
    const module = await fetch(`${url}/app/${build}/main.js`);
    expect([module.status, module.headers.get('cache-control')]).toEqual([
      200,
      'public, max-age=31536000, immutable',
    ]);
    expect(await module.text()).toBe('export {};');
    // Another release's modules are not served here (rather than mixing two releases in one page).
    expect((await fetch(`${url}/app/0123456789ab/main.js`)).status).toBe(404);
    // The page itself, and unversioned paths, are revalidated.
    expect((await fetch(`${url}/`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${url}/app/main.js`)).headers.get('cache-control')).toBe('no-cache');
  });

  it('changes the build id when a module changes, and not otherwise', async () => {
    const buildOf = async () =>
      /src="app\/([0-9a-f]{12})\//.exec(await (await fetch(`${(await start()).url}/`)).text())?.[1];
    const before = await buildOf();
    expect(await buildOf()).toBe(before);
    writeFileSync(join(roots.app, 'main.js'), 'export const changed = 1;');
    try {
      expect(await buildOf()).not.toBe(before);
    } finally {
      writeFileSync(join(roots.app, 'main.js'), 'export {};');
    }
  });

  it("loads the styles of the page's own release too", async () => {
    const { url } = await start({ immutable: true });
    const page = await (await fetch(`${url}/`)).text();
    const build = /app\/([0-9a-f]{12})\//.exec(page)?.[1];
    expect(page).toContain(`href="console.css?v=${build}"`);
    const styles = await fetch(`${url}/console.css?v=${build}`);
    expect([styles.status, styles.headers.get('cache-control')]).toEqual([
      200,
      'public, max-age=31536000, immutable',
    ]);
    const other = await fetch(`${url}/console.css?v=0123456789ab`);
    expect([other.status, other.headers.get('cache-control')]).toEqual([404, 'no-store']);
  });

  it('starts unbuilt, and answers 404 for modules it does not have', async () => {
    const { url } = await start({ roots: { public: roots.public, app: join(dir, 'missing') } });
    expect((await fetch(`${url}/app/main.js`)).status).toBe(404);
    expect((await fetch(`${url}/`)).status).toBe(200);
  });

  it('revalidates modules locally (a rebuild changes them under the same build id)', async () => {
    const { url } = await start();
    const build = /src="app\/([0-9a-f]{12})\//.exec(await (await fetch(`${url}/`)).text())?.[1];
    expect((await fetch(`${url}/app/${build}/main.js`)).headers.get('cache-control')).toBe('no-cache');
  });
});
