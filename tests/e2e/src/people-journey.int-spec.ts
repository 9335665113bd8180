import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { PostgresEventStore, START } from '@journey/eventstore';
import { issueLocalToken } from '@journey/platform';
import type { Role } from '@journey/platform';
import {
  eventually,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  startGroupsAtEnd,
  tcpProxy,
  testInfrastructure,
  uniqueName,
} from '@journey/testing';
import type { IsolatedDatabase, TcpProxy } from '@journey/testing';
import { launchChromium } from './support/browser';
import { consumerGroupsOf, launchService, readyServices, stopServices } from './support/service-processes';
import type { ServiceProcess } from './support/service-processes';

// Both people's sides in a real browser. A shop's page on its own origin embeds the chat widget with
// one script tag; the agent works in the workspace (apps/console, served as `npm start` serves it); the
// five services run from their built output on one event store, talking only through Kafka. The
// customer sees an article suggestion and writes; the ticket appears in the agent's queue; the agent
// inserts a macro and an article and replies; the customer sees it without reloading, keeps writing
// through a dropped connection, and rates the conversation inside the widget once the agent solves.
const infra = testInfrastructure();
const run = randomBytes(3).toString('hex');
const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-widget-e2e-')), 'key.json');
const ports = { channels: 3271, contacts: 3272, tickets: 3273, analytics: 3274, knowledge: 3275 };
const consoleOrigin = 'http://127.0.0.1:3276';
const url = (s: keyof typeof ports) => `http://127.0.0.1:${ports[s]}`;
const chatChannel = `shop-${run}`;
const group = `web-${run}`;
const agent = `ada-${run}`;
const gadget = `blender${run}`;
const groups = Object.fromEntries(
  Object.keys(ports).map((s) => [s, uniqueName(`widget-e2e-${s}`)]),
) as Record<keyof typeof ports, string>;
/** Where screenshots go when asked (JOURNEY_SCREENSHOTS_DIR): the README's pictures come from here. */
const screenshots = process.env['JOURNEY_SCREENSHOTS_DIR'];

let db: IsolatedDatabase;
let store: PostgresEventStore;
let site: Server;
let siteOrigin: string;
let proxy: TcpProxy;
/** Where the shop's page loads the widget from: channels, through the proxy the test cuts. */
let widgetOrigin: string;
let browser: Browser;
let web: ChildProcess;
const services: ServiceProcess[] = [];

const admin = { subject: 'admin-1', roles: ['admin'] as Role[] };
const supervisor = { subject: 'sup-1', roles: ['supervisor'] as Role[] };
const agentAs = { subject: agent, roles: ['agent'] as Role[] };
/** A token the services trust (the local signing key), for one caller. */
const tokenFor = (as: { subject: string; roles: Role[] }) =>
  issueLocalToken({ keyFile, issuer: 'journey-local', audience: 'journey', ...as, expiresIn: '1h' });
const agentToken = () => tokenFor(agentAs);

async function ok(method: string, target: string, as?: { subject: string; roles: Role[] }, body?: unknown) {
  const token = as ? await tokenFor(as) : undefined;
  const res = await fetch(target, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${target} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

/**
 * An OpenID Connect provider as small as the console needs: discovery, an authorize endpoint that signs
 * the agent in at once, and a token endpoint that checks the PKCE verifier and issues a token the
 * services trust (signed with the local key, as the organisation's provider signs with its own).
 */
async function oidcProvider() {
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const exchanges: { ok: boolean; reason?: string }[] = [];
  const server = createServer((req, res) => {
    const at = new URL(req.url ?? '/', 'http://provider');
    const json = (status: number, body: unknown): void => {
      res
        .writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
        .end(JSON.stringify(body));
    };
    if (at.pathname === '/.well-known/openid-configuration')
      return void json(200, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
      });
    if (at.pathname === '/authorize') {
      const q = at.searchParams;
      if (q.get('client_id') !== 'journey-console' || q.get('code_challenge_method') !== 'S256')
        return void json(400, { error: 'invalid_request' });
      const code = randomBytes(12).toString('hex');
      codes.set(code, { challenge: q.get('code_challenge') ?? '', redirectUri: q.get('redirect_uri') ?? '' });
      const back = new URL(q.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      return void res.writeHead(302, { location: back.toString() }).end();
    }
    if (at.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const issued = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const challenge = createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url');
        const reason = !issued
          ? 'unknown or used code'
          : issued.challenge !== challenge
            ? 'verifier does not match'
            : issued.redirectUri !== form.get('redirect_uri')
              ? 'redirect_uri differs'
              : undefined;
        exchanges.push({ ok: !reason, ...(reason ? { reason } : {}) });
        if (reason) return void json(400, { error: 'invalid_grant' });
        void agentToken().then((token) =>
          json(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 }),
        );
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, exchanges, close: () => new Promise((r) => server.close(r)) };
}
let provider: Awaited<ReturnType<typeof oidcProvider>>;

/** The shop's page: its own origin, hostile global styles, and the one tag that embeds the widget. */
function shopPage(lang: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Shop</title>
<style>* { color: rgb(255, 0, 0) !important; font-size: 31px !important; } button { display: none !important; }</style>
</head><body><main><h1>Blenders</h1><p>Our finest blenders.</p></main>
<script src="${widgetOrigin}/widget.js" data-channel="${chatChannel}" async></script></body></html>`;
}

beforeAll(async () => {
  db = await isolatedPostgresDatabase(infra, 'widget_e2e');
  store = await PostgresEventStore.connect({ connectionString: db.url });
  proxy = await tcpProxy({ host: '127.0.0.1', port: ports.channels });
  widgetOrigin = `http://127.0.0.1:${proxy.port}`;
  site = createServer((req, res) => {
    const lang = req.url?.startsWith('/zh') ? 'zh-CN' : 'en';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(shopPage(lang));
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

  const configFile = join(mkdtempSync(join(tmpdir(), 'journey-widget-e2e-cfg-')), 'channels.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      chat: [
        {
          id: chatChannel,
          visitorTokenSecret: randomBytes(18).toString('base64url'),
          widget: { preChat: 'optional', helpCenterUrl: `${url('knowledge')}/v1/help` },
        },
      ],
    }),
  );
  await startGroupsAtEnd(
    infra.kafkaBrokers,
    (Object.keys(ports) as (keyof typeof ports)[]).flatMap((s) => consumerGroupsOf(s, groups[s])),
    ['journey.channels.v1', 'journey.contacts.v1', 'journey.tickets.v1', 'journey.knowledge.v1'],
  );
  const common = {
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    EVENTSTORE_URL: db.url,
    AUTH_LOCAL_KEY_FILE: keyFile,
    RATE_LIMIT_PER_SECOND: '2000',
    RATE_LIMIT_BURST: '4000',
    // The shop's page calls channels (through the proxy), the help centre and the survey link; the
    // workspace calls every service.
    HTTP_CORS_ORIGINS: `${siteOrigin},${consoleOrigin}`,
  };
  const service = (name: keyof typeof ports, env: NodeJS.ProcessEnv = {}) =>
    launchService(name, ports[name], {
      ...common,
      KAFKA_CONSUMER_GROUP: groups[name],
      MONGO_URL: isolatedMongoUrl(infra, `widget_e2e_${name}`),
      ...env,
    });
  services.push(
    service('channels', { CHANNELS_CONFIG_FILE: configFile, CSAT_LINK_BASE: `${url('tickets')}/v1/csat` }),
    service('contacts'),
    service('tickets', {
      TICKETS_CHANNEL_GROUPS: `${chatChannel}=${group}`,
      TICKETS_DISPATCH_INTERVAL_MS: '300',
    }),
    service('analytics'),
    service('knowledge'),
  );
  await readyServices(services, 90_000);
  provider = await oidcProvider();
  web = spawn(process.execPath, [join(__dirname, '..', '..', '..', 'tools', 'scripts', 'web.mjs')], {
    env: {
      PATH: process.env['PATH'],
      WEB_HTTP_PORT: '3276',
      OIDC_ISSUER: provider.base,
      ...Object.fromEntries(
        Object.keys(ports).map((s) => [`${s.toUpperCase()}_URL`, url(s as keyof typeof ports)]),
      ),
    },
    stdio: 'ignore',
  });
  await eventually(
    async () => (await fetch(`${consoleOrigin}/health/ready`).catch(() => undefined))?.ok === true,
    {
      what: 'the workspace web server',
    },
  );
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  web?.kill('SIGTERM');
  await stopServices(services.filter((s) => s.child.exitCode === null && s.child.signalCode === null));
  await proxy?.close();
  await provider?.close();
  await new Promise((r) => (site ? site.close(r) : r(undefined)));
  await store?.close();
  await db?.drop();
}, 60_000);

/** The widget's parts, found by role and name as a screen reader finds them (through the shadow root). */
const widget = (page: Page) => ({
  launcher: page.getByRole('button', { name: 'Open chat' }),
  dialog: page.getByRole('dialog', { name: 'Chat with us' }),
  message: page.getByRole('textbox', { name: 'Your message' }),
  log: page.getByRole('log'),
});

/** axe-core's violations in the widget (or, with `whole`, the page: the workspace). */
async function axeViolations(page: Page, whole = false) {
  await page.addScriptTag({ content: readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') });
  return page.evaluate(async (wholePage) => {
    const axe = (
      globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<unknown> } }
    ).axe;
    const result = (await axe.run(wholePage ? { exclude: [] } : { include: [['[data-journey-widget]']] }, {
      resultTypes: ['violations'],
    })) as { violations: { id: string; impact: string; nodes: { target: unknown }[] }[] };
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target),
    }));
  }, whole);
}

describe('a customer on a shop’s page and an agent in the workspace', () => {
  let page: Page;
  let workspace: Page;
  const workspaceErrors: string[] = [];
  let ticketId: string;
  let ticketUrl: string;
  let conversationId: string;

  it('is one small script, served for any site to load', async () => {
    const res = await fetch(`${url('channels')}/widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    const script = Buffer.from(await res.arrayBuffer());
    // The size the README states: the script as served, and gzipped.
    expect(script.length).toBeLessThan(40_000);
    expect(gzipSync(script).length).toBeLessThan(12_000);
  });

  it('suggests a public article while the customer types, records its view, and takes the message', async () => {
    await ok('PUT', `${url('tickets')}/v1/agents/${agent}`, admin, {
      groups: [group],
      capacity: { default: 5 },
    });
    await ok('PUT', `${url('tickets')}/v1/agents/${agent}/presence`, admin, { presence: 'online' });
    const created = await ok('POST', `${url('knowledge')}/v1/articles`, admin, {
      locale: 'en',
      title: `Returning a broken ${gadget}`,
      body: `A ${gadget} that arrived broken is replaced free of charge: reply in the chat with your order number.`,
      audience: 'public',
    });
    const articleId = created['articleId'] as string;
    await ok('POST', `${url('knowledge')}/v1/articles/${articleId}/locales/en/publication`, admin, {
      skipReview: true,
    });
    await eventually(
      async () => {
        const found = await ok('GET', `${url('knowledge')}/v1/help/search?q=${gadget}&locale=en`);
        return (found['hits'] as unknown[]).length > 0;
      },
      { timeoutMs: 30_000, what: 'the article in the help centre' },
    );

    const context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`${siteOrigin}/`);
    const w = widget(page);
    await w.launcher.click();
    await expect(w.dialog.isVisible()).resolves.toBe(true);

    // The pre-chat form (this channel: optional): name and email, then the chat.
    await page.getByRole('textbox', { name: 'Name' }).fill('Ada Customer');
    await page.getByRole('textbox', { name: 'Email' }).fill(`ada-${run}@example.com`);
    await page.getByRole('button', { name: 'Start chatting' }).click();

    // The page's `* { color: red; font-size: 31px }` and `button { display: none }` do not reach inside.
    await w.message.waitFor();
    const style = await w.message.evaluate((el) => {
      const view = el.ownerDocument.defaultView as unknown as {
        getComputedStyle(e: unknown): { color: string; fontSize: string };
      };
      const s = view.getComputedStyle(el);
      return { color: s.color, fontSize: s.fontSize };
    });
    expect(style).toEqual({ color: 'rgb(26, 26, 26)', fontSize: '14px' });

    await w.message.pressSequentially(`broken ${gadget}`, { delay: 20 });
    const suggestion = page.getByRole('button', { name: `Returning a broken ${gadget}` });
    await suggestion.waitFor({ timeout: 15_000 });
    await suggestion.click();
    await page.getByRole('heading', { name: `Returning a broken ${gadget}` }).waitFor();
    await page.getByRole('button', { name: 'Back to the chat' }).click();
    const viewed = await eventually(
      async () =>
        (await store.readAll({ after: START })).find(
          (e) =>
            e.type === 'knowledge.article-viewed.v1' &&
            (e.data as { articleId: string; channel: string }).articleId === articleId,
        ) ?? false,
      { timeoutMs: 15_000, what: 'the article view in the event store' },
    );
    expect((viewed.data as { channel: string }).channel).toBe('widget');

    await w.message.fill(`My ${gadget} arrived broken, order 1234`);
    await w.message.press('Enter');
    await w.log.getByText('Sent', { exact: true }).waitFor();

    const ticket = await eventually(
      async () => {
        const board = await ok('GET', `${url('tickets')}/v1/tickets?group=${group}&limit=10`, supervisor);
        const found = (board['tickets'] as { ticketId: string; assignee?: string }[])[0];
        return found?.assignee === agent && found;
      },
      { timeoutMs: 30_000, what: 'the ticket assigned to the agent' },
    );
    ticketId = ticket.ticketId;
    ticketUrl = `${url('tickets')}/v1/tickets/${ticket.ticketId}`;
    conversationId = (await ok('GET', ticketUrl, supervisor))['conversationId'] as string;
    expect(conversationId).toMatch(/^[0-9a-f-]{36}$/);
  }, 120_000);

  it('shows the agent typing, their read receipt and their reply without a reload; the customer’s read is recorded', async () => {
    // The agent's live socket on the conversation (what the agent workspace holds open).
    const token = await agentToken();
    const socket = new WebSocket(
      `${url('channels').replace('http', 'ws')}/v1/chat/socket?access_token=${token}`,
    );
    const frames: { type: string }[] = [];
    socket.on('message', (raw) => frames.push(JSON.parse(String(raw)) as { type: string }));
    await eventually(() => frames.some((f) => f.type === 'ready'), { what: 'the agent socket' });
    socket.send(JSON.stringify({ type: 'join', conversationId }));
    await eventually(() => frames.some((f) => f.type === 'joined'), { what: 'the agent joined' });
    socket.send(JSON.stringify({ type: 'typing', conversationId }));
    await page.getByText('The agent is typing…').waitFor({ timeout: 10_000 });
    const customerMessage = (
      await ok('GET', `${url('channels')}/v1/conversations/${conversationId}`, agentAs)
    )['messages'] as { messageId: string; from: string }[];
    const lastFromCustomer = customerMessage.filter((m) => m.from === 'customer').at(-1)!;
    socket.send(JSON.stringify({ type: 'read', conversationId, upToMessageId: lastFromCustomer.messageId }));
    await widget(page).log.getByText('Read', { exact: true }).waitFor({ timeout: 10_000 });
    socket.close();

    await ok('PUT', `${url('tickets')}/v1/macros`, admin, [
      {
        id: 'replacement',
        title: 'Replacement on its way',
        text: 'A new one ships today.',
        status: 'pending',
        tags: ['replacement-sent'],
      },
    ]);

    // The agent's workspace: the ticket is in "My tickets", live.
    const context = await browser.newContext();
    workspace = await context.newPage();
    // The page's Content-Security-Policy lets it run its own scripts and call the services only: a
    // violation would show as a console error.
    workspace.on('console', (m) => {
      if (m.type() === 'error') workspaceErrors.push(m.text());
    });
    await workspace.goto(`${consoleOrigin}/#token=${await agentToken()}`);
    const mine = workspace.getByRole('list', { name: 'My tickets' });
    await mine.locator(`a[href="#/tickets/${ticketId}"]`).click({ timeout: 20_000 });
    await workspace.getByRole('heading', { level: 1 }).waitFor();
    // The conversation and the customer's whole journey beside it.
    await workspace.getByText(`My ${gadget} arrived broken, order 1234`).first().waitFor({ timeout: 20_000 });
    await workspace.getByRole('heading', { name: 'Journey across channels' }).waitFor({ timeout: 20_000 });
    // A macro fills the reply and the status it sets; an article is inserted as its public link.
    await workspace
      .getByRole('combobox', { name: 'Macros' })
      .selectOption({ label: 'Replacement on its way' });
    expect(await workspace.getByLabel('Status after sending').inputValue()).toBe('pending');
    const kb = workspace.getByRole('searchbox', { name: 'Search articles' });
    await kb.fill(gadget);
    await workspace
      .getByRole('button', { name: `Insert: Returning a broken ${gadget}` })
      .click({ timeout: 20_000 });
    const reply = workspace.getByRole('textbox', { name: 'Reply to the customer' });
    expect(await reply.inputValue()).toContain(`/v1/help/articles/`);
    await workspace.getByRole('button', { name: 'Send reply' }).click();
    await workspace.getByText('Sent.').waitFor();

    await widget(page).log.getByText('A new one ships today.', { exact: false }).waitFor({ timeout: 20_000 });
    await widget(page).log.getByText(`Returning a broken ${gadget}`, { exact: false }).waitFor();
    // The workspace shows the reply and the status the macro set, without a reload.
    // The macro's tags are added to the ticket with the reply.
    await eventually(
      async () =>
        ((await ok('GET', ticketUrl, supervisor))['tags'] as string[] | undefined)?.includes(
          'replacement-sent',
        ),
      { timeoutMs: 20_000, what: "the macro's tag on the ticket" },
    );
    const status = workspace.locator('.ticket-head dl.facts dd').first();
    await eventually(async () => (await status.textContent()) === 'pending', {
      timeoutMs: 20_000,
      what: 'the status the macro set, in the workspace',
    });

    // Keyboard: g to the queues, j to the next ticket of mine, r to the reply box.
    await workspace.getByRole('heading', { level: 1 }).click();
    await workspace.keyboard.press('g');
    await mine.waitFor();
    await workspace.keyboard.press('j');
    await workspace.waitForURL(`**/#/tickets/${ticketId}`);
    await workspace.getByRole('heading', { level: 1 }).waitFor();
    await reply.waitFor();
    await workspace.keyboard.press('r');
    expect(await reply.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    expect(workspaceErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    // The widget is open, so it says it read the reply: the conversation records the customer's read.
    await eventually(
      async () => {
        const events = await store.readStream(`conversation-${conversationId}`);
        return events.some(
          (e) =>
            e.type === 'channels.messages-read.v1' && (e.data as { reader: string }).reader === 'customer',
        );
      },
      { timeoutMs: 15_000, what: "the customer's read receipt" },
    );
  }, 60_000);

  it('keeps what the customer writes while the connection is down and sends it once when it is back', async () => {
    const w = widget(page);
    await proxy.cut();
    await page.getByText('Connection lost: reconnecting…').waitFor({ timeout: 10_000 });
    await w.message.fill('Are you still there?');
    await w.message.press('Enter');
    await w.log.getByText('Not sent yet: will be sent when the connection is back').waitFor();
    // Reloading while offline keeps the unsent message (it is queued in the page's storage).
    await proxy.restore();
    await w.log.getByText('Not sent yet', { exact: false }).waitFor({ state: 'detached', timeout: 40_000 });
    await page.reload();
    await widget(page).log.getByText('A new one ships today.', { exact: false }).waitFor({ timeout: 20_000 });
    await widget(page).log.getByText('Are you still there?').waitFor();
    // The agent's read receipt is part of the conversation, not only of the socket that carried it.
    await widget(page).log.getByText('Read', { exact: true }).waitFor();
    const conversation = await ok('GET', `${url('channels')}/v1/conversations/${conversationId}`, agentAs);
    const texts = (conversation['messages'] as { text?: string }[]).map((m) => m.text);
    expect(texts.filter((t) => t === 'Are you still there?')).toHaveLength(1);
    expect(texts.filter((t) => t === `My ${gadget} arrived broken, order 1234`)).toHaveLength(1);
  }, 90_000);

  it('drops a message the service refuses for good from the queue, showing why across reloads, instead of sending it at every reconnect', async () => {
    const w = widget(page);
    // An unpaired surrogate: channels refuses it whatever the connection (invalid, final).
    await w.message.evaluate((box) => {
      (box as { value: string }).value = 'broken \uD800 text';
    });
    await w.message.press('Enter');
    await w.log.getByText(/^Not sent: .*unpaired UTF-16 surrogates/).waitFor({ timeout: 10_000 });
    const outbox = () =>
      page.evaluate(
        (key) => (JSON.parse(localStorage.getItem(key) ?? '{}') as { outbox?: unknown[] }).outbox ?? [],
        `journey-chat:${chatChannel}`,
      );
    expect(await outbox()).toEqual([]);
    // After a reload (a new connection) the next message is the one sent: the refused one stays dropped.
    await page.reload();
    const again = widget(page);
    await again.log.getByText('Are you still there?').waitFor({ timeout: 20_000 });
    // Still shown as not sent, with its reason: kept in the page's storage, out of the queue.
    await again.log.getByText(/^Not sent: .*unpaired UTF-16 surrogates/).waitFor();
    await again.message.fill('Thank you');
    await again.message.press('Enter');
    await eventually(
      async () => {
        const conversation = await ok(
          'GET',
          `${url('channels')}/v1/conversations/${conversationId}`,
          agentAs,
        );
        return (conversation['messages'] as { text?: string }[]).some((m) => m.text === 'Thank you');
      },
      { timeoutMs: 20_000, what: 'the next message stored' },
    );
    expect(await outbox()).toEqual([]);
    const conversation = await ok('GET', `${url('channels')}/v1/conversations/${conversationId}`, agentAs);
    expect((conversation['messages'] as { text?: string }[]).some((m) => m.text?.startsWith('broken'))).toBe(
      false,
    );
  }, 60_000);

  it('asks for a rating inside the widget when the agent solves; the rating reaches the ticket, the workspace and analytics', async () => {
    await workspace.getByRole('button', { name: 'Solve', exact: true }).click();
    await workspace.getByText('Solved.').waitFor();
    const five = page.getByRole('button', { name: 'Rate 5 out of 5' });
    await five.waitFor({ timeout: 30_000 });
    if (screenshots) {
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, 'chat-widget.png') });
    }
    await five.click();
    await page.getByText('Thank you for your rating.').waitFor();
    const rated = await eventually(
      async () => {
        const t = await ok('GET', ticketUrl, supervisor);
        return (t['csat'] as { score?: number } | undefined)?.score === 5 && t;
      },
      { timeoutMs: 20_000, what: 'the rating on the ticket' },
    );
    expect(rated['csat']).toMatchObject({ score: 5 });
    await workspace.getByText('Rated 5/5').first().waitFor({ timeout: 20_000 });
    // The survey's link is the customer's one-time credential: agents see that it was sent, never the link.
    const seen = await ok('GET', `${url('channels')}/v1/conversations/${conversationId}`, agentAs);
    const texts = (seen['messages'] as { text?: string }[]).map((m) => m.text ?? '');
    expect(texts).toContain('How did we do? Rate this conversation from 1 to 5: [survey link]');
    expect(texts.filter((t) => t.includes('/v1/csat/'))).toEqual([]);
    const contactId = rated['contactId'] as string;
    const timeline = await eventually(
      async () => {
        const page = await ok(
          'GET',
          `${url('contacts')}/v1/contacts/${contactId}/timeline?limit=100`,
          agentAs,
        );
        const entries = page['entries'] as { summary?: string }[];
        return entries.some((e) => e.summary === 'satisfaction survey sent') && entries;
      },
      { timeoutMs: 20_000, what: "the survey in the customer's timeline" },
    );
    expect(timeline.filter((e) => e.summary?.includes('/v1/csat/'))).toEqual([]);
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    await eventually(
      async () => {
        const figures = await ok(
          'GET',
          `${url('analytics')}/v1/figures?group=${group}&from=${from}&to=${to}&by=agent`,
          supervisor,
        );
        const rows = figures['rows'] as { key: { agent: string }; rated: number; good: number }[];
        return rows.some((r) => r.key.agent === agent && r.rated === 1 && r.good === 1);
      },
      { timeoutMs: 30_000, what: 'the rating in the analytics figures' },
    );
  }, 90_000);

  it('passes an accessibility check, open and closed, and can be worked with the keyboard', async () => {
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect(widget(page).dialog.isVisible()).resolves.toBe(false);
    // Focus returns to the launcher; Enter opens the chat again with the message box focused.
    await page.keyboard.press('Enter');
    await widget(page).dialog.waitFor();
    expect(
      await widget(page).message.evaluate(
        (el) => el === (el.getRootNode() as unknown as { activeElement: unknown }).activeElement,
      ),
    ).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
  }, 60_000);

  it("signs an agent in through the organisation's OpenID Connect provider (authorization code with PKCE)", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${consoleOrigin}/`);
    await page.getByRole('button', { name: 'Sign in with your organisation’s account' }).click();
    // Away to the provider and back with a code, which the page trades for a token with its verifier.
    await page.getByRole('list', { name: 'My tickets' }).waitFor({ timeout: 20_000 });
    expect(provider.exchanges).toEqual([{ ok: true }]);
    expect(new URL(page.url()).search).toBe(''); // the code is out of the address bar
    await page.getByText(agent, { exact: true }).waitFor();
    // Coming back with a code this tab did not ask for is refused, and nothing is traded.
    await page.goto(`${consoleOrigin}/?code=stolen&state=forged`);
    await page.getByText('its state does not match', { exact: false }).waitFor();
    expect(provider.exchanges).toHaveLength(1);
    await context.close();
  }, 60_000);

  it("shows a supervisor every agent's presence, groups and load, each group's queue, and the analytics dashboard", async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const board = await context.newPage();
    await board.goto(`${consoleOrigin}/#token=${await tokenFor(supervisor)}`);
    await board.getByRole('link', { name: 'Supervisor' }).click();
    await board.getByRole('heading', { name: 'Supervisor', level: 1 }).waitFor();
    const row = board.getByRole('table', { name: 'Agents' }).getByRole('row', { name: agent });
    await row.waitFor({ timeout: 20_000 });
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells[0]).toBe('Online');
    expect(cells[1]?.split(', ')).toContain(group);
    expect(cells[2]).toMatch(/\d+\/\d+/);
    // The group's waiting count comes from the live stream of its queue.
    await board.getByText(new RegExp(`^${group}: \\d+ waiting$`)).waitFor({ timeout: 20_000 });
    const dashboard = await board
      .getByRole('link', { name: 'Open the analytics dashboard' })
      .getAttribute('href');
    expect(dashboard?.startsWith(`${url('analytics')}/dashboard#token=`)).toBe(true);
    expect(await axeViolations(board, true)).toEqual([]);
    await context.close();
  }, 60_000);

  it('the workspace passes an accessibility check and speaks Chinese', async () => {
    // A page of its own that lets axe-core in (the workspace's policy refuses scripts from elsewhere).
    const context = await browser.newContext({ bypassCSP: true });
    const checked = await context.newPage();
    await checked.goto(`${consoleOrigin}/#token=${await agentToken()}`);
    await checked.getByRole('list', { name: 'My tickets' }).waitFor();
    expect(await axeViolations(checked, true)).toEqual([]);
    await checked.goto(`${consoleOrigin}/#/tickets/${ticketId}`);
    await checked.getByRole('heading', { level: 1 }).waitFor();
    // The customer's journey across channels, from contacts. The panel is drawn again every 10 s while the
    // ticket is open: a journey the projection had not caught up with yet shows at the next draw or the one after.
    await checked.getByRole('heading', { name: 'Journey across channels' }).waitFor({ timeout: 30_000 });
    await checked.getByText('conversation-started', { exact: false }).first().waitFor({ timeout: 30_000 });
    if (screenshots) {
      mkdirSync(screenshots, { recursive: true });
      await checked.screenshot({ path: join(screenshots, 'agent-workspace.png'), fullPage: true });
    }
    expect(await axeViolations(checked, true)).toEqual([]);
    await checked.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    await checked.getByRole('heading', { name: '跨渠道旅程' }).waitFor({ timeout: 20_000 });
    expect(await axeViolations(checked, true)).toEqual([]);
    await context.close();
  }, 90_000);

  it('speaks Chinese on a Chinese page', async () => {
    const context = await browser.newContext();
    const zh = await context.newPage();
    await zh.goto(`${siteOrigin}/zh/`);
    await zh.getByRole('button', { name: '打开聊天' }).click();
    await zh.getByRole('dialog', { name: '在线客服' }).waitFor();
    // The pre-chat form first (this channel: optional, so it can be skipped), then the message box.
    await zh.getByRole('textbox', { name: '姓名' }).waitFor();
    await zh.getByRole('button', { name: '跳过' }).click();
    await zh.getByRole('textbox', { name: '您的消息' }).waitFor();
    expect(await axeViolations(zh)).toEqual([]);
    await context.close();
  }, 60_000);
});
