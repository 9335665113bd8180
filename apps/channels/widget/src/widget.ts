/*
 * The chat widget: one <script src=".../widget.js" data-channel="website"> tag puts a launcher and a
 * chat window on a page. Everything lives in a shadow root, so the page's styles do not reach it and its
 * own do not leak out. It speaks the web chat's public API of the service that served it:
 * POST /v1/chat/{channel}/sessions, the WebSocket /v1/chat/socket, POST .../identify; the help centre
 * for article suggestions; a survey's link for the rating.
 *
 * Survives a reload (the visitor token and unsent messages are kept in localStorage) and a lost
 * connection (reconnects with backoff; messages written meanwhile are queued and sent again with the
 * same clientMessageId, which the service deduplicates).
 */
(() => {
  interface Message {
    messageId?: string;
    clientMessageId?: string;
    from: 'customer' | 'agent' | 'automation';
    text?: string;
    at?: string;
    readByAgent?: boolean;
    survey?: { url: string };
    /** failed: refused for good (too long, not allowed); it is not sent again. */
    state?: 'queued' | 'sent' | 'failed';
    /** Why it failed, as the service said. */
    error?: string;
  }
  interface Settings {
    channelId: string;
    title?: string;
    preChat: 'off' | 'optional' | 'required';
    helpCenterUrl?: string;
  }
  interface Suggestion {
    articleId: string;
    locale: string;
    title: string;
  }
  type Frame =
    | { type: 'session'; conversationId: string; messages: ServerMessage[] }
    | ({ type: 'message' } & ServerMessage)
    | { type: 'ack'; clientMessageId: string; messageId: string }
    | { type: 'typing'; from: 'customer' | 'agent' }
    | { type: 'read'; reader: 'customer' | 'agent'; upToMessageId: string }
    | { type: 'identified' }
    | {
        type: 'error';
        reason?: string;
        /** invalid, rejected, not-found: final; rate-limited, internal: send again later. */
        code?: string;
        clientMessageId?: string;
        retryAfterSeconds?: number;
      };
  interface ServerMessage {
    messageId: string;
    from: Message['from'];
    text?: string;
    at: string;
    readByAgent?: boolean;
    survey?: { url: string };
  }

  const script = document.currentScript as HTMLScriptElement | null;
  if (!script) return;
  const channel = script.dataset['channel'];
  if (!channel || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(channel)) {
    console.error('journey widget: data-channel must name a web chat channel');
    return;
  }
  const base = new URL(script.src, location.href).origin;
  const pageLang = (
    script.dataset['locale'] ||
    document.documentElement.lang ||
    navigator.language ||
    'en'
  ).toLowerCase();
  const locale: 'zh-CN' | 'en' = pageLang.startsWith('zh') ? 'zh-CN' : 'en';

  const WORDS = {
    en: {
      open: 'Open chat',
      close: 'Close chat',
      title: 'Chat with us',
      placeholder: 'Write a message…',
      messageLabel: 'Your message',
      send: 'Send',
      you: 'You',
      agent: 'Agent',
      bot: 'Assistant',
      queued: 'Not sent yet: will be sent when the connection is back',
      notSent: (reason: string) => `Not sent: ${reason}`,
      sent: 'Sent',
      read: 'Read',
      typing: 'The agent is typing…',
      offline: 'Connection lost: reconnecting…',
      preChatIntro: 'Tell us who you are, so that we can follow up.',
      name: 'Name',
      email: 'Email',
      start: 'Start chatting',
      skip: 'Skip',
      suggestions: 'Articles that may help',
      back: 'Back to the chat',
      rate: 'How did we do?',
      rateN: (n: number) => `Rate ${n} out of 5`,
      thanks: 'Thank you for your rating.',
      failed: 'Something went wrong; try again.',
      badEmail: 'Enter a valid email address.',
    },
    'zh-CN': {
      open: '打开聊天',
      close: '关闭聊天',
      title: '在线客服',
      placeholder: '输入消息…',
      messageLabel: '您的消息',
      send: '发送',
      you: '您',
      agent: '客服',
      bot: '助手',
      queued: '尚未发送：连接恢复后自动发送',
      notSent: (reason: string) => `未发送：${reason}`,
      sent: '已发送',
      read: '已读',
      typing: '客服正在输入…',
      offline: '连接已断开，正在重新连接…',
      preChatIntro: '请留下您的信息，方便我们跟进。',
      name: '姓名',
      email: '邮箱',
      start: '开始聊天',
      skip: '跳过',
      suggestions: '可能有帮助的文章',
      back: '返回聊天',
      rate: '请为本次服务评分',
      rateN: (n: number) => `评 ${n} 分（满分 5 分）`,
      thanks: '感谢您的评价。',
      failed: '出错了，请重试。',
      badEmail: '请输入有效的邮箱地址。',
    },
  }[locale];

  // ---------- state kept across reloads ----------
  const KEY = `journey-chat:${channel}`;
  interface Stored {
    token?: string;
    outbox: { clientMessageId: string; text: string }[];
    /** Messages refused for good, kept to show as not sent in their conversation (the 10 latest). */
    refused?: {
      clientMessageId: string;
      text: string;
      reason: string;
      conversationId?: string;
      at: string;
    }[];
    preChatDone?: boolean;
    rated: string[];
    open?: boolean;
  }
  const load = (): Stored => {
    try {
      const raw = localStorage.getItem(KEY);
      const parsed = raw ? (JSON.parse(raw) as Partial<Stored>) : {};
      return { outbox: parsed.outbox ?? [], rated: parsed.rated ?? [], ...parsed } as Stored;
    } catch {
      return { outbox: [], rated: [] };
    }
  };
  let stored = load();
  const save = () => {
    try {
      localStorage.setItem(KEY, JSON.stringify(stored));
    } catch {
      /* private mode: the conversation lasts as long as the page */
    }
  };
  /** Changes the kept state from its latest copy (another tab of the site may have changed it). */
  const update = (change: (s: Stored) => void) => {
    const latest = load();
    stored = { ...latest, open: stored.open };
    change(stored);
    save();
  };

  let settings: Settings = { channelId: channel, preChat: 'off' };
  const messages: Message[] = [];
  let socket: WebSocket | undefined;
  let connected = false;
  /** The conversation of the current session (its refused messages are shown with it). */
  let conversationId: string | undefined;
  let attempt = 0;
  let reconnectTimer: number | undefined;
  let typingShown: number | undefined;
  let lastTypingSent = 0;

  // ---------- DOM ----------
  const host = document.createElement('div');
  host.setAttribute('data-journey-widget', channel);
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `
<style>
  :host { all: initial; }
  [hidden] { display: none !important; }
  * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif; }
  .launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px; border-radius: 50%;
    border: none; background: #1f5fbf; color: #fff; cursor: pointer; display: flex; align-items: center; justify-content: center; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
  .launcher:focus-visible, button:focus-visible, textarea:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
  .panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; width: min(370px, calc(100vw - 40px)); height: min(560px, calc(100vh - 120px));
    display: flex; flex-direction: column; background: #fff; color: #1a1a1a; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.25); overflow: hidden; font-size: 14px; }
  .panel[hidden] { display: none; }
  header { display: flex; align-items: center; justify-content: space-between; padding: 12px 14px; background: #1f5fbf; color: #fff; }
  header h2 { margin: 0; font-size: 16px; font-weight: 600; }
  header button { background: transparent; border: none; color: #fff; font-size: 20px; cursor: pointer; min-width: 32px; min-height: 32px; }
  .status { padding: 6px 14px; background: #fff4d6; color: #5c4300; font-size: 12px; }
  .status[hidden] { display: none; }
  .log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; margin: 0; }
  .msg { max-width: 85%; padding: 8px 10px; border-radius: 10px; white-space: pre-wrap; word-wrap: break-word; }
  .msg.customer { align-self: flex-end; background: #1f5fbf; color: #fff; }
  .msg.agent, .msg.automation { align-self: flex-start; background: #eef1f5; color: #1a1a1a; }
  .meta { display: block; font-size: 11px; opacity: .85; margin-top: 2px; }
  .meta.failed { opacity: 1; font-weight: 600; }
  .typing { padding: 0 14px 6px; font-size: 12px; color: #4a4a4a; min-height: 18px; }
  form.compose { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #dde2e8; }
  textarea { flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 8px; border: 1px solid #8a94a3; border-radius: 8px; font-size: 14px; color: #1a1a1a; }
  button.primary { background: #1f5fbf; color: #fff; border: none; border-radius: 8px; padding: 8px 14px; cursor: pointer; font-size: 14px; }
  button.secondary { background: #fff; color: #1f5fbf; border: 1px solid #1f5fbf; border-radius: 8px; padding: 8px 14px; cursor: pointer; font-size: 14px; }
  .suggest { border-top: 1px solid #dde2e8; padding: 6px 12px; }
  .suggest[hidden] { display: none; }
  .suggest h3 { margin: 0 0 4px; font-size: 12px; color: #4a4a4a; font-weight: 600; }
  .suggest ul { margin: 0; padding: 0; list-style: none; }
  .suggest button { background: none; border: none; color: #1f5fbf; text-decoration: underline; cursor: pointer; padding: 3px 0; text-align: start; font-size: 13px; }
  .article { flex: 1; overflow-y: auto; padding: 12px 14px; }
  .article[hidden] { display: none; }
  .article h3 { margin-top: 0; }
  .prechat { padding: 14px; display: flex; flex-direction: column; gap: 10px; }
  .prechat[hidden] { display: none; }
  .prechat label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; }
  .prechat input { padding: 8px; border: 1px solid #8a94a3; border-radius: 8px; font-size: 14px; }
  .prechat .error { color: #a40000; font-size: 12px; min-height: 16px; }
  .rating { display: flex; gap: 4px; margin-top: 6px; }
  .rating button { min-width: 32px; min-height: 32px; border-radius: 6px; border: 1px solid #1f5fbf; background: #fff; color: #1f5fbf; cursor: pointer; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
</style>
<button class="launcher" type="button" aria-expanded="false" aria-controls="journey-panel"><svg aria-hidden="true" focusable="false" width="26" height="26" viewBox="0 0 24 24"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg><span class="sr-only"></span></button>
<section class="panel" id="journey-panel" role="dialog" aria-modal="false" aria-labelledby="journey-title" hidden>
  <header><h2 id="journey-title"></h2><button type="button" class="close"><span aria-hidden="true">×</span><span class="sr-only"></span></button></header>
  <div class="status" role="status" hidden></div>
  <form class="prechat" hidden novalidate>
    <p></p>
    <label><span class="l-name"></span><input name="name" autocomplete="name" maxlength="200"></label>
    <label><span class="l-email"></span><input name="email" type="email" autocomplete="email" maxlength="320"></label>
    <div class="error" role="alert"></div>
    <div style="display:flex;gap:8px"><button class="primary" type="submit"></button><button class="secondary skip" type="button"></button></div>
  </form>
  <div class="article" hidden><button type="button" class="secondary back"></button><div class="body"></div></div>
  <div class="log" role="log" aria-live="polite"></div>
  <div class="typing" aria-live="polite"></div>
  <div class="suggest" hidden><h3 id="journey-suggest"></h3><ul aria-labelledby="journey-suggest"></ul></div>
  <form class="compose">
    <label class="sr-only" for="journey-text"></label>
    <textarea id="journey-text" rows="1" maxlength="10000"></textarea>
    <button class="primary" type="submit"></button>
  </form>
</section>`;
  const $ = <T extends Element>(selector: string) => root.querySelector(selector) as T;
  const launcher = $<HTMLButtonElement>('.launcher');
  const panel = $<HTMLElement>('.panel');
  const log = $<HTMLDivElement>('.log');
  const status = $<HTMLDivElement>('.status');
  const typing = $<HTMLDivElement>('.typing');
  const compose = $<HTMLFormElement>('form.compose');
  const input = $<HTMLTextAreaElement>('textarea');
  const suggest = $<HTMLDivElement>('.suggest');
  const article = $<HTMLDivElement>('.article');
  const preChat = $<HTMLFormElement>('form.prechat');

  launcher.querySelector('.sr-only')!.textContent = WORDS.open;
  $('.close .sr-only').textContent = WORDS.close;
  $('#journey-title').textContent = WORDS.title;
  $('label[for="journey-text"]').textContent = WORDS.messageLabel;
  input.placeholder = WORDS.placeholder;
  $('form.compose button').textContent = WORDS.send;
  $('#journey-suggest').textContent = WORDS.suggestions;
  $('.back').textContent = WORDS.back;
  $('.prechat p').textContent = WORDS.preChatIntro;
  $('.l-name').textContent = WORDS.name;
  $('.l-email').textContent = WORDS.email;
  $('.prechat button[type="submit"]').textContent = WORDS.start;
  $('.prechat .skip').textContent = WORDS.skip;
  panel.setAttribute('lang', locale);
  launcher.setAttribute('lang', locale);

  // ---------- rendering ----------
  function render(): void {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.replaceChildren(
      ...messages.map((m) => {
        const li = document.createElement('div');
        li.className = `msg ${m.from}`;
        const who = document.createElement('span');
        who.className = 'sr-only';
        who.textContent = `${m.from === 'customer' ? WORDS.you : m.from === 'agent' ? WORDS.agent : WORDS.bot}: `;
        li.append(who);
        if (m.survey) li.append(ratingPrompt(m));
        else li.append(document.createTextNode(m.text ?? ''));
        if (m.from === 'customer') {
          const meta = document.createElement('span');
          meta.className = 'meta';
          meta.textContent =
            m.state === 'failed'
              ? WORDS.notSent(m.error ?? WORDS.failed)
              : m.state === 'queued'
                ? WORDS.queued
                : m.readByAgent
                  ? WORDS.read
                  : WORDS.sent;
          if (m.state === 'failed') meta.classList.add('failed');
          li.append(meta);
        }
        return li;
      }),
    );
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  function ratingPrompt(m: Message): HTMLElement {
    const box = document.createElement('div');
    const surveyUrl = m.survey!.url;
    const question = document.createElement('span');
    if (stored.rated.includes(surveyUrl)) {
      question.textContent = WORDS.thanks;
      box.append(question);
      return box;
    }
    question.textContent = WORDS.rate;
    const row = document.createElement('div');
    row.className = 'rating';
    row.setAttribute('role', 'group');
    row.setAttribute('aria-label', WORDS.rate);
    for (let score = 1; score <= 5; score++) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = String(score);
      button.setAttribute('aria-label', WORDS.rateN(score));
      button.addEventListener('click', () => void rate(surveyUrl, score, question));
      row.append(button);
    }
    box.append(question, row);
    return box;
  }

  async function rate(url: string, score: number, question: HTMLElement): Promise<void> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ score }),
      });
      // 422: already rated (from another tab, say): the answer is in, so thank the visitor all the same.
      if (!res.ok && res.status !== 422) throw new Error(String(res.status));
      update((s) => s.rated.push(url));
      render();
      // The prompt's buttons are gone: keep the keyboard in the chat (not lost on the page's body).
      input.focus();
    } catch {
      question.textContent = WORDS.failed;
    }
  }

  function setStatus(text: string | undefined): void {
    status.hidden = !text;
    status.textContent = text ?? '';
  }

  // ---------- messages ----------
  function merge(m: ServerMessage): void {
    const known = messages.find((x) => x.messageId === m.messageId);
    if (known) return;
    messages.push({
      messageId: m.messageId,
      from: m.from,
      ...(m.text !== undefined ? { text: m.text } : {}),
      at: m.at,
      ...(m.readByAgent ? { readByAgent: true } : {}),
      ...(m.survey ? { survey: m.survey } : {}),
      state: 'sent',
    });
  }

  function queuedOnes(): Message[] {
    return stored.outbox.map((o) => ({
      clientMessageId: o.clientMessageId,
      from: 'customer',
      text: o.text,
      state: 'queued',
    }));
  }

  /** The current conversation's refused messages (a new conversation does not show an old one's). */
  function refusedOnes(): Message[] {
    return (stored.refused ?? [])
      .filter((r) => r.conversationId === conversationId)
      .map((r) => ({
        clientMessageId: r.clientMessageId,
        from: 'customer',
        text: r.text,
        at: r.at,
        state: 'failed',
        error: r.reason,
      }));
  }

  function send(text: string): void {
    const clientMessageId =
      typeof crypto.randomUUID === 'function'
        ? crypto.randomUUID()
        : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    update((s) => s.outbox.push({ clientMessageId, text }));
    messages.push({ clientMessageId, from: 'customer', text, state: 'queued' });
    render();
    if (socket && connected) socket.send(JSON.stringify({ type: 'message', clientMessageId, text }));
  }

  let retryTimer: number | undefined;
  let retries = 0;
  /** Sends the queue again after the service's pause, or 2 s doubling to 60 s, unless a retry waits already. */
  function retryQueueLater(afterSeconds?: number): void {
    if (retryTimer !== undefined || stored.outbox.length === 0) return;
    retries += 1;
    const pause = afterSeconds
      ? Math.min(60, Math.max(1, afterSeconds)) * 1000
      : Math.min(60_000, 1000 * 2 ** retries);
    // With jitter, so that visitors refused at the same moment do not all come back at the same moment.
    const ms = pause * (0.75 + Math.random() * 0.5);
    retryTimer = window.setTimeout(() => {
      retryTimer = undefined;
      flush();
    }, ms);
  }

  /** Sends every queued message (after a reconnect); each stays queued until its ack (deduplicated). */
  function flush(): void {
    if (!socket || !connected) return;
    for (const o of stored.outbox)
      socket.send(JSON.stringify({ type: 'message', clientMessageId: o.clientMessageId, text: o.text }));
  }

  function markRead(): void {
    if (!socket || !connected || panel.hidden || document.visibilityState !== 'visible') return;
    const lastIncoming = [...messages].reverse().find((m) => m.from !== 'customer' && m.messageId);
    if (lastIncoming?.messageId)
      socket.send(JSON.stringify({ type: 'read', upToMessageId: lastIncoming.messageId }));
  }

  // ---------- connection ----------
  async function session(): Promise<string> {
    const res = await fetch(`${base}/v1/chat/${channel}/sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(stored.token ? { token: stored.token } : {}),
    });
    if (!res.ok) throw new Error(`session ${res.status}`);
    const body = (await res.json()) as { token: string };
    update((s) => (s.token = body.token));
    return body.token;
  }

  let connecting = false;
  function connect(): void {
    window.clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    // One attempt at a time: the reconnect timer, the browser coming online and a first open may all ask.
    if (connecting || (socket && socket.readyState <= WebSocket.OPEN)) return;
    connecting = true;
    void (async () => {
      let token: string;
      try {
        token = load().token ?? (await session());
      } catch {
        connecting = false;
        return scheduleReconnect();
      }
      const url = new URL('/v1/chat/socket', base);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('channelId', channel!);
      url.searchParams.set('token', token);
      const ws = new WebSocket(url);
      socket = ws;
      connecting = false;
      ws.addEventListener('message', (e) => {
        if (socket === ws) onFrame(JSON.parse(String(e.data)) as Frame);
      });
      ws.addEventListener('close', (e) => {
        if (socket !== ws) return;
        connected = false;
        // 4401: the token is not (any longer) this channel's: start a new session.
        if (e.code === 4401) update((s) => delete s.token);
        setStatus(WORDS.offline);
        scheduleReconnect();
      });
    })();
  }

  function scheduleReconnect(): void {
    if (reconnectTimer !== undefined) return;
    attempt += 1;
    // 0.5 s, 1 s, 2 s … at most 30 s, with jitter so that many visitors do not come back at once.
    const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt - 1, 6)) * (0.75 + Math.random() * 0.5);
    reconnectTimer = window.setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delay);
  }

  function onFrame(frame: Frame): void {
    if (frame.type === 'session') {
      connected = true;
      attempt = 0;
      setStatus(undefined);
      conversationId = frame.conversationId;
      const pending = new Set(stored.outbox.map((o) => o.clientMessageId));
      messages.length = 0;
      for (const m of frame.messages) merge(m);
      // Refused ones where they were written, among the conversation's messages; then the queue.
      messages.push(...refusedOnes());
      messages.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''));
      messages.push(...queuedOnes().filter((m) => pending.has(m.clientMessageId!)));
      render();
      flush();
      markRead();
    } else if (frame.type === 'ack') {
      retries = 0;
      update((s) => (s.outbox = s.outbox.filter((o) => o.clientMessageId !== frame.clientMessageId)));
      const m = messages.find((x) => x.clientMessageId === frame.clientMessageId);
      const already = messages.find((x) => x.messageId === frame.messageId && x !== m);
      if (m && already) messages.splice(messages.indexOf(m), 1);
      else if (m) {
        m.messageId = frame.messageId;
        m.state = 'sent';
      }
      render();
    } else if (frame.type === 'message') {
      if (frame.from === 'customer') return;
      merge(frame);
      typing.textContent = '';
      render();
      markRead();
    } else if (frame.type === 'typing' && frame.from === 'agent') {
      typing.textContent = WORDS.typing;
      window.clearTimeout(typingShown);
      typingShown = window.setTimeout(() => (typing.textContent = ''), 4_000);
    } else if (frame.type === 'error') {
      const final = ['invalid', 'rejected', 'not-found'].includes(frame.code ?? '');
      const refused = frame.clientMessageId;
      const queued = stored.outbox.find((o) => o.clientMessageId === refused);
      if (final && queued) {
        // Refused for good: the same message would be refused again, so it leaves the queue and says why
        // (kept, so that a reconnect, a reload or another tab still shows it as not sent).
        const reason = frame.reason ?? WORDS.failed;
        update((s) => {
          s.outbox = s.outbox.filter((o) => o.clientMessageId !== queued.clientMessageId);
          // Another tab may have been refused the same message first (both send the queue).
          if ((s.refused ?? []).some((r) => r.clientMessageId === queued.clientMessageId)) return;
          const entry = {
            clientMessageId: queued.clientMessageId,
            text: queued.text,
            reason,
            at: new Date().toISOString(),
            ...(conversationId ? { conversationId } : {}),
          };
          s.refused = [...(s.refused ?? []), entry].slice(-10);
        });
        const m = messages.find((x) => x.clientMessageId === queued.clientMessageId);
        if (m) {
          m.state = 'failed';
          m.error = reason;
        }
        render();
        return;
      }
      setStatus(frame.reason ? `${WORDS.failed} (${frame.reason})` : WORDS.failed);
      // Too fast, or the service could not take a message now: the queue is sent again after a pause. An
      // internal error names the message it was about; one about a frame without an id (a read receipt) sends
      // the queue again too, which costs nothing: the service keeps each message once.
      if (frame.code === 'rate-limited' || (frame.code === 'internal' && (!refused || queued)))
        retryQueueLater(frame.retryAfterSeconds);
    } else if (frame.type === 'read' && frame.reader === 'agent') {
      const upTo = messages.findIndex((m) => m.messageId === frame.upToMessageId);
      for (const m of messages.slice(0, upTo + 1)) if (m.from === 'customer') m.readByAgent = true;
      render();
    }
  }

  // ---------- article suggestions ----------
  let suggestTimer: number | undefined;
  let suggestAbort: AbortController | undefined;
  function suggestFor(text: string): void {
    window.clearTimeout(suggestTimer);
    const q = text.trim();
    if (!settings.helpCenterUrl || q.length < 2) {
      suggest.hidden = true;
      return;
    }
    suggestTimer = window.setTimeout(async () => {
      suggestAbort?.abort();
      suggestAbort = new AbortController();
      try {
        const url = new URL(`${settings.helpCenterUrl}/search`);
        url.search = new URLSearchParams({
          q: q.slice(0, 200),
          locale,
          limit: '3',
          asYouType: 'true',
          channel: 'widget',
        }).toString();
        const res = await fetch(url, { signal: suggestAbort.signal });
        if (!res.ok) throw new Error(String(res.status));
        const body = (await res.json()) as { hits?: Suggestion[] };
        showSuggestions(body.hits ?? []);
      } catch {
        /* suggestions are a help, never in the way */
      }
    }, 250);
  }

  function showSuggestions(hits: Suggestion[]): void {
    const list = suggest.querySelector('ul')!;
    list.replaceChildren(
      ...hits.map((hit) => {
        const li = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = hit.title;
        button.addEventListener('click', () => void openArticle(hit.articleId, hit.locale));
        li.append(button);
        return li;
      }),
    );
    suggest.hidden = hits.length === 0;
  }

  async function openArticle(articleId: string, articleLocale: string): Promise<void> {
    try {
      const url = new URL(`${settings.helpCenterUrl}/articles/${encodeURIComponent(articleId)}`);
      url.search = new URLSearchParams({ locale: articleLocale, channel: 'widget' }).toString();
      const res = await fetch(url);
      if (!res.ok) throw new Error(String(res.status));
      const body = (await res.json()) as { title: string; html: string };
      const view = article.querySelector('.body')!;
      const heading = document.createElement('h3');
      heading.textContent = body.title;
      const content = document.createElement('div');
      content.innerHTML = body.html; // sanitised by the help centre (an allow-list of tags and attributes)
      // Links point at the help centre (not at the shop's page the widget sits on), in a new tab.
      for (const a of Array.from(content.querySelectorAll('a'))) {
        try {
          const target = new URL(a.getAttribute('href') ?? '', `${settings.helpCenterUrl}/articles/`);
          if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new Error('scheme');
          a.href = target.href;
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
        } catch {
          a.removeAttribute('href');
        }
      }
      view.replaceChildren(heading, content);
      article.hidden = false;
      log.hidden = true;
      (article.querySelector('.back') as HTMLButtonElement).focus();
    } catch {
      setStatus(WORDS.failed);
    }
  }

  function closeArticle(): void {
    article.hidden = true;
    log.hidden = false;
    input.focus();
  }

  // ---------- pre-chat form ----------
  function needsPreChat(): boolean {
    return settings.preChat !== 'off' && !stored.preChatDone;
  }

  function showPreChat(show: boolean): void {
    preChat.hidden = !show;
    compose.hidden = show;
    log.hidden = show;
    ($('.prechat .skip') as HTMLButtonElement).hidden = settings.preChat === 'required';
  }

  preChat.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      const data = new FormData(preChat);
      const name = String(data.get('name') ?? '').trim();
      const email = String(data.get('email') ?? '').trim();
      const error = $('.prechat .error');
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
        error.textContent = WORDS.badEmail;
        ($('.prechat input[name="email"]') as HTMLInputElement).focus();
        return;
      }
      try {
        const token = stored.token ?? (await session());
        const res = await fetch(`${base}/v1/chat/${channel}/identify`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Visitor-Token': token },
          body: JSON.stringify({ email, ...(name ? { name } : {}) }),
        });
        if (!res.ok) throw new Error(String(res.status));
        update((s) => (s.preChatDone = true));
        showPreChat(false);
        input.focus();
      } catch {
        error.textContent = WORDS.failed;
      }
    })();
  });
  $('.prechat .skip').addEventListener('click', () => {
    update((s) => (s.preChatDone = true));
    showPreChat(false);
    input.focus();
  });

  // ---------- events ----------
  function setOpen(open: boolean, takeFocus = true): void {
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    launcher.querySelector('.sr-only')!.textContent = open ? WORDS.close : WORDS.open;
    update((s) => (s.open = open));
    if (open) {
      connect();
      showPreChat(needsPreChat());
      if (!takeFocus) {
        // reopened as the page loads: the page keeps its focus
      } else if (needsPreChat()) ($('.prechat input[name="name"]') as HTMLInputElement).focus();
      else input.focus();
      markRead();
    }
  }
  launcher.addEventListener('click', () => setOpen(panel.hidden));
  $('.close').addEventListener('click', () => {
    setOpen(false);
    launcher.focus();
  });
  $('.back').addEventListener('click', closeArticle);
  panel.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (!article.hidden) return closeArticle();
    setOpen(false);
    launcher.focus();
  });
  compose.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    suggest.hidden = true;
    send(text.slice(0, 10_000));
  });
  input.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter is a new line; not while an input method is composing (Chinese input).
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      compose.requestSubmit();
    }
  });
  input.addEventListener('input', () => {
    suggestFor(input.value);
    const now = Date.now();
    if (socket && connected && now - lastTypingSent > 2_000) {
      lastTypingSent = now;
      socket.send(JSON.stringify({ type: 'typing' }));
    }
  });
  document.addEventListener('visibilitychange', markRead);
  window.addEventListener('storage', (e) => {
    // Another tab of the site queued, sent or rated: show the same state here.
    if (e.key !== KEY) return;
    stored = { ...load(), open: stored.open };
    const pending = new Set(stored.outbox.map((o) => o.clientMessageId));
    const refused = new Map((stored.refused ?? []).map((r) => [r.clientMessageId, r.reason]));
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i] as Message;
      if (m.state !== 'queued' || pending.has(m.clientMessageId as string)) continue;
      // Sent by the other tab (it arrives with the conversation), or refused there: then shown as not sent.
      const reason = refused.get(m.clientMessageId as string);
      if (reason === undefined) messages.splice(i, 1);
      else Object.assign(m, { state: 'failed', error: reason });
    }
    render();
  });
  window.addEventListener('online', () => {
    attempt = 0;
    connect();
  });

  // ---------- start ----------
  messages.push(...refusedOnes(), ...queuedOnes());
  document.body.append(host);
  void (async () => {
    try {
      const res = await fetch(`${base}/v1/chat/${channel}/widget`);
      if (res.ok) settings = (await res.json()) as Settings;
    } catch {
      /* the defaults: no pre-chat form, no suggestions */
    }
    if (settings.title) $('#journey-title').textContent = settings.title;
    render();
    // A returning visitor's conversation reconnects at once; a new one waits for the first open.
    if (stored.token || stored.outbox.length > 0) connect();
    if (stored.open) setOpen(true, false);
  })();
})();
