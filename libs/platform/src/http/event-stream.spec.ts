import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { HttpException } from '@nestjs/common';
import { EventStreams } from './event-stream';
import type { StreamEvent } from './event-stream';

/** An express app with one stream route; the poll and the caller's key come from the test. */
async function serving(streams: EventStreams, poll: () => Promise<StreamEvent[]>) {
  const app = express();
  app.get('/live', (req, res) => {
    try {
      streams.serve(req, res, poll, { intervalMs: 20, key: String(req.query['who']) });
    } catch (err) {
      res.status(err instanceof HttpException ? err.getStatus() : 500).end();
    }
  });
  const server: Server = await new Promise((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Reads a stream's text as it comes. */
function reading(res: Response): { text: () => string } {
  let text = '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { text: () => text };
}

/** The names of the events a stream carried, in order. */
const eventNames = (text: string): (string | undefined)[] =>
  [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);

const limits = {
  max: 10,
  maxPerKey: 2,
  maxDurationMs: 60_000,
  maxBufferedBytes: 1024 * 1024,
  staleAfterMs: 2_000,
};

describe('server-sent event streams', () => {
  it('hold at most maxPerKey per caller (429) and give the place back when the client goes', async () => {
    const streams = new EventStreams(limits);
    const { base, server } = await serving(streams, async () => []);
    try {
      const aborts = [new AbortController(), new AbortController()];
      const open = await Promise.all(aborts.map((a) => fetch(`${base}/live?who=ann`, { signal: a.signal })));
      expect(open.map((r) => r.status)).toEqual([200, 200]);
      expect((await fetch(`${base}/live?who=ann`)).status).toBe(429);
      const bob = new AbortController();
      expect((await fetch(`${base}/live?who=bob`, { signal: bob.signal })).status).toBe(200);
      expect(streams.size).toBe(3);
      for (const a of [...aborts, bob]) a.abort();
      await until(() => streams.size === 0);
      const again = new AbortController();
      expect((await fetch(`${base}/live?who=ann`, { signal: again.signal })).status).toBe(200);
      again.abort();
      await until(() => streams.size === 0);
    } finally {
      server.close();
    }
  });

  it('tells the client its data is stale after three failed polls, fresh once one succeeds', async () => {
    let calls = 0;
    const streams = new EventStreams(limits);
    const { base, server } = await serving(streams, async () => {
      calls += 1;
      if (calls >= 2 && calls <= 4) throw new Error('read model down');
      return calls === 1 || calls === 5 ? [{ event: 'tickets', data: { n: calls } }] : [];
    });
    try {
      const res = await fetch(`${base}/live?who=ann`);
      const stream = reading(res);
      await until(() => stream.text().includes('"n":5'));
      expect(eventNames(stream.text())).toEqual(['tickets', 'stale', 'fresh', 'tickets']);
    } finally {
      streams.closeAll();
      server.close();
    }
  });

  it('tells the client its data is stale while a poll does not answer (a paused store), fresh after', async () => {
    let calls = 0;
    const streams = new EventStreams({ ...limits, staleAfterMs: 50 });
    const { base, server } = await serving(streams, async () => {
      calls += 1;
      if (calls === 2) await new Promise((r) => setTimeout(r, 300));
      return calls === 1 || calls === 3 ? [{ event: 'tickets', data: { n: calls } }] : [];
    });
    try {
      const stream = reading(await fetch(`${base}/live?who=ann`));
      await until(() => stream.text().includes('"n":3'));
      expect(eventNames(stream.text())).toEqual(['tickets', 'stale', 'fresh', 'tickets']);
    } finally {
      streams.closeAll();
      server.close();
    }
  });

  it('ends every stream at shutdown, so that the server can close', async () => {
    const streams = new EventStreams(limits);
    const { base, server } = await serving(streams, async () => []);
    const res = await fetch(`${base}/live?who=ann`);
    const stream = reading(res);
    await until(() => stream.text().includes('retry:'));
    streams.closeAll();
    expect(streams.size).toBe(0);
    await new Promise<void>((r) => server.close(() => r()));
  });
});
