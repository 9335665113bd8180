#!/usr/bin/env node
// Loads a small customer journey into the running system through the channels' real entry points
// (web chat, email, WeChat, partner API, phone), signed as the providers would sign them. Run by
// `npm start`; running it again adds nothing (every message carries the same provider id).
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`Usage: node tools/scripts/demo-journey.mjs

Sends a demo customer's journey to the channels service (CHANNELS_HTTP_PORT, default 3101): a web chat
with an agent's reply, an email, a WeChat message, a partner API message and a phone call. Reads the
channel secrets from CHANNELS_CONFIG_FILE (default .local/channels/channels.json). Safe to run again.
`);
  process.exit(0);
}

const base = `http://127.0.0.1:${process.env.CHANNELS_HTTP_PORT ?? 3101}`;
const configFile = process.env.CHANNELS_CONFIG_FILE ?? join(root, '.local', 'channels', 'channels.json');
const stateFile = join(root, '.local', 'demo-journey.json');
const config = JSON.parse(readFileSync(configFile, 'utf8'));
const state = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : {};

const signed = (secret, body) => {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return { 'x-journey-timestamp': timestamp, 'x-journey-signature': `sha256=${mac}` };
};

async function call(method, path, { body, headers = {}, type = 'application/json' } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': type, ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const step = (label, result) => console.log(`  ✓ ${label}${result ? ` → ${result}` : ''}`);
const conversations = {};
const platform = require(join(root, 'libs', 'platform', 'dist', 'index.js'));
const tokenFor = (subject, role) =>
  platform.issueLocalToken({
    keyFile: process.env.AUTH_LOCAL_KEY_FILE ?? join(root, '.local', 'auth', 'signing-key.json'),
    issuer: process.env.AUTH_ISSUER ?? 'journey-local',
    audience: process.env.AUTH_AUDIENCE ?? 'journey',
    subject,
    roles: [role],
    expiresIn: '10m',
  });

// 0. The knowledge base: npm start imported the seed corpus (213 articles, English and Chinese); the
// shop's synonym book is set here, as its admin would, so that customers' words meet the articles'.
const knowledge = `http://127.0.0.1:${process.env.KNOWLEDGE_HTTP_PORT ?? 3104}`;
{
  const { SEED_SYNONYMS } = require(join(root, 'apps', 'knowledge', 'dist', 'corpus', 'seed-synonyms.js'));
  const admin = await tokenFor('admin-demo', 'admin');
  for (const [locale, sets] of Object.entries(SEED_SYNONYMS)) {
    const res = await fetch(`${knowledge}/v1/settings/synonyms`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ locale, sets }),
    });
    if (!res.ok) throw new Error(`PUT /v1/settings/synonyms: HTTP ${res.status} ${await res.text()}`);
  }
  step('knowledge: the synonym book is set', Object.keys(SEED_SYNONYMS).join(', '));
}

// 0b. The agent of `npx journey token --role agent` (subject local-developer) works the default group,
// online, so that the demo's tickets are in "My tickets" in the workspace; two macros to insert.
const tickets = `http://127.0.0.1:${process.env.TICKETS_HTTP_PORT ?? 3103}`;
{
  const admin = await tokenFor('admin-demo', 'admin');
  const put = async (path, body) => {
    const res = await fetch(`${tickets}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`PUT ${path}: HTTP ${res.status} ${await res.text()}`);
  };
  const group = process.env.TICKETS_DEFAULT_GROUP ?? 'support';
  await put('/v1/agents/local-developer', { groups: [group], capacity: { default: 5 } });
  await put('/v1/agents/local-developer/presence', { presence: 'online' });
  await put('/v1/macros', [
    {
      id: 'refund-on-its-way',
      title: 'Refund on its way',
      text: 'Your refund is on its way: it reaches your account within 3–5 working days.',
      status: 'pending',
    },
    {
      id: 'need-order-number',
      title: 'Ask for the order number',
      text: 'Could you send me your order number, please?',
      status: 'pending',
    },
  ]);
  step('tickets: local-developer works the group, online, with two macros', group);
}

// 1. Pre-sale: an anonymous visitor chats on the web site, then signs in (the site identifies them).
const chat = config.chat?.[0];
if (chat) {
  const session = await call('POST', `/v1/chat/${chat.id}/sessions`, {
    body: state.visitorToken ? { token: state.visitorToken } : {},
  });
  state.visitorToken = session.token;
  const visitor = { 'x-visitor-token': session.token };
  const sent = await call('POST', `/v1/chat/${chat.id}/messages`, {
    headers: visitor,
    body: { clientMessageId: 'demo-1', text: 'Hi! Do you ship the X200 to Shanghai?' },
  });
  await call('POST', `/v1/chat/${chat.id}/identify`, {
    headers: visitor,
    // Signed in on the shop's site, which vouches for the email (identity verification).
    body: {
      email: 'li.wei@example.com',
      name: 'Li Wei',
      ...(chat.identitySecret
        ? {
            identityHash: createHmac('sha256', chat.identitySecret)
              .update('li.wei@example.com')
              .digest('hex'),
          }
        : {}),
    },
  });
  conversations['web chat'] = sent.conversationId;
  step('web chat: visitor asks, then signs in', sent.duplicate ? 'already there' : sent.conversationId);

  const agentToken = await tokenFor('agent-demo', 'agent');
  const reply = await call('POST', `/v1/conversations/${sent.conversationId}/replies`, {
    headers: { authorization: `Bearer ${agentToken}` },
    body: { text: 'Yes, in 2 days, free of charge.', clientMessageId: 'demo-reply-1' },
  });
  step('web chat: an agent answers', reply.duplicate ? 'already there' : `delivery ${reply.delivery}`);
  await call('GET', `/v1/chat/${chat.id}/messages`, { headers: visitor }); // the visitor comes back and reads it

  // A question the knowledge base answers: auto-answer replies in the chat, or hands it to an agent
  // with the articles it found (the policy decides; GET .../suggestions says which and why).
  await call('POST', `/v1/chat/${chat.id}/messages`, {
    headers: visitor,
    body: { clientMessageId: 'demo-2', text: '退款多久到账？' },
  });
  let decided;
  for (let i = 0; i < 40 && !decided; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const res = await fetch(`${knowledge}/v1/conversations/${sent.conversationId}/suggestions`, {
      headers: { authorization: `Bearer ${agentToken}` },
    });
    if (res.ok) {
      const body = await res.json();
      if (body.answered + body.handedOff >= 2) decided = body.last;
    }
  }
  step(
    'web chat: the visitor asks 退款多久到账？',
    decided
      ? `${decided.decision} (${decided.reasons.join(', ')}), top suggestion: ${decided.suggestions[0]?.title ?? 'none'}`
      : 'knowledge has not decided yet',
  );
}

// 2. Post-sale: the customer writes an email after delivery.
const inbox = config.email?.inboxes?.[0];
if (inbox) {
  const mime = [
    'From: Li Wei <li.wei@example.com>',
    `To: ${inbox.address}`,
    'Subject: X200 arrived with a cracked screen',
    'Message-ID: <demo-1@example.com>',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello, my X200 (order 1234) arrived today with a cracked screen. What can I do?',
    '',
  ].join('\r\n');
  const res = await call('POST', '/v1/webhooks/email', {
    type: 'message/rfc822',
    body: mime,
    headers: signed(config.email.webhookSecret, mime),
  });
  conversations.email = res.conversationId;
  step('email: a complaint after delivery', res.duplicate ? 'already there' : res.conversationId);
}

// 3. The customer follows up on WeChat.
const account = config.wechat?.[0];
if (account) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = 'demo';
  const signature = createHash('sha1')
    .update([account.token, timestamp, nonce].sort().join(''))
    .digest('hex');
  const xml = `<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[o-demo-li-wei]]></FromUserName><CreateTime>1795000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好,我发了邮件,屏幕碎了,怎么换货?]]></Content><MsgId>9000000000000001</MsgId></xml>`;
  await call(
    'POST',
    `/v1/webhooks/wechat/${account.id}?timestamp=${timestamp}&nonce=${nonce}&signature=${signature}`,
    {
      type: 'text/xml',
      body: xml,
    },
  );
  step('WeChat: the customer follows up');
}

// 4. A partner system reports the return, and the customer calls.
const partner = config.api?.find((c) => c.kind === 'partner-api');
if (partner) {
  const body = JSON.stringify({
    idempotencyKey: 'demo-return-1',
    user: { id: 'li-wei', email: 'li.wei@example.com', emailVerified: true },
    text: 'Return requested for order 1234 (cracked screen).',
  });
  const res = await call('POST', `/v1/webhooks/api/${partner.id}`, {
    body,
    headers: signed(partner.secret, body),
  });
  conversations['partner API'] = res.conversationId;
  step('partner API: the return is reported', res.duplicate ? 'already there' : res.conversationId);
}
const pbx = config.voice?.[0];
if (pbx) {
  for (const [event, at] of [
    ['ringing', '2026-11-23T09:00:00Z'],
    ['answered', '2026-11-23T09:00:04Z'],
    ['ended', '2026-11-23T09:03:10Z'],
  ]) {
    const body = JSON.stringify({
      event,
      callId: 'demo-call-1',
      from: '+8613800138000',
      to: '+862180000000',
      at,
      agentId: 'agent-demo',
    });
    const res = await call('POST', `/v1/webhooks/voice/${pbx.id}`, {
      body,
      headers: signed(pbx.secret, body),
    });
    conversations.phone = res.conversationId;
  }
  step('phone: the customer calls, 3 minutes');
}

writeFileSync(stateFile, JSON.stringify(state, null, 2));
console.log('\n  Look at a conversation (as an agent):');
console.log('    TOKEN=$(npx journey token --role agent)');
for (const [name, id] of Object.entries(conversations))
  console.log(`    curl -H "Authorization: Bearer $TOKEN" ${base}/v1/conversations/${id}   # ${name}`);
