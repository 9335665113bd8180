import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadServiceConfig } from '../config/service-config';
import { admissionControl } from './admission.middleware';
import type { AdmissionLimits } from './admission.middleware';

/** A real HTTP server whose /work requests wait until released; /metrics and /health/live answer at once. */
async function serve(limits: AdmissionLimits) {
  const admission = admissionControl(limits);
  const waiting: (() => void)[] = [];
  const app = express();
  app.use(admission);
  app.post('/work', (_req, res) => {
    waiting.push(() => res.json({ done: true }));
  });
  // A handler that reads its body, as the services' parsers do.
  app.post('/slow', express.json(), (_req, res) => {
    res.json({ read: true });
  });
  app.get('/metrics', (_req, res) => res.type('text/plain').send('up 1\n'));
  app.get('/health/live', (_req, res) => res.json({ status: 'ok' }));
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    admission,
    base,
    waiting,
    /** Resolves once n requests wait in the handler (a positive signal, not a sleep). */
    async held(n: number) {
      const until = Date.now() + 10_000;
      while (waiting.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    },
    async close() {
      admission.stop();
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('admission control', () => {
  it('turns a request away with 503 and Retry-After past the in-flight limit, and still answers /metrics and probes', async () => {
    const s = await serve({ maxInFlight: 2, maxEventLoopDelayMs: 0, bodyTimeoutMs: 30_000 });
    try {
      const first = fetch(`${s.base}/work`, { method: 'POST', body: '{}' });
      const second = fetch(`${s.base}/work`, { method: 'POST', body: '{}' });
      await s.held(2);
      expect(s.admission.inFlight).toBe(2);

      const refused = await fetch(`${s.base}/work`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Larger than the socket's buffers: read and dropped, so the answer arrives (not a reset).
        body: JSON.stringify({ text: 'x'.repeat(600_000) }),
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({
        statusCode: 503,
        message: expect.stringContaining('load limit (in-flight)'),
      });
      expect((await fetch(`${s.base}/metrics`)).status).toBe(200);
      expect((await fetch(`${s.base}/health/live`)).status).toBe(200);

      // Answered requests free their places: the next one is admitted.
      for (const release of s.waiting.splice(0)) release();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      const third = fetch(`${s.base}/work`, { method: 'POST', body: '{}' });
      await s.held(1);
      expect(s.admission.inFlight).toBe(1);
      s.waiting.splice(0).forEach((release) => release());
      expect((await third).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('frees the place of a request whose client went away before the answer', async () => {
    const s = await serve({ maxInFlight: 1, maxEventLoopDelayMs: 0, bodyTimeoutMs: 30_000 });
    try {
      const abort = new AbortController();
      const gone = fetch(`${s.base}/work`, { method: 'POST', body: '{}', signal: abort.signal }).catch(
        () => 'aborted',
      );
      await s.held(1);
      abort.abort();
      expect(await gone).toBe('aborted');
      while (s.admission.inFlight > 0) await new Promise((r) => setImmediate(r));
      const next = fetch(`${s.base}/work`, { method: 'POST', body: '{}' });
      await s.held(2);
      s.waiting.splice(0).forEach((release) => release());
      expect((await next).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('answers 408 to a body that does not arrive in time, and frees its place', async () => {
    const s = await serve({ maxInFlight: 1, maxEventLoopDelayMs: 0, bodyTimeoutMs: 300 });
    try {
      const { port } = new URL(s.base);
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      // Promises 100 bytes, sends 10, then nothing: it holds the one place.
      socket.write(
        'POST /slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":"1234',
      );
      while (s.admission.inFlight < 1) await new Promise((r) => setTimeout(r, 2));
      expect((await fetch(`${s.base}/work`, { method: 'POST', body: '{}' })).status).toBe(503);
      await once(socket, 'close');
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('did not arrive within 300 ms');
      while (s.admission.inFlight > 0) await new Promise((r) => setTimeout(r, 2));
      const next = fetch(`${s.base}/work`, { method: 'POST', body: '{}' });
      await s.held(1);
      s.waiting.splice(0).forEach((release) => release());
      expect((await next).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('turns requests away while the event loop runs late, and admits them again once it catches up', async () => {
    const s = await serve({ maxInFlight: 100, maxEventLoopDelayMs: 50, bodyTimeoutMs: 30_000 });
    try {
      // Saturate the loop as an overloaded process is: 150 ms of work, again and again.
      const saturate = setInterval(() => {
        const until = performance.now() + 150;
        while (performance.now() < until);
      }, 1);
      let refused: Response | undefined;
      try {
        for (let attempt = 0; attempt < 40 && !refused; attempt++) {
          expect((await fetch(`${s.base}/health/live`)).status).toBe(200);
          const work = fetch(`${s.base}/work`, { method: 'POST', body: '{}' });
          const status = await Promise.race([work.then((r) => r.status), s.held(1).then(() => 0)]);
          if (status === 503) refused = await work;
          else {
            s.waiting.splice(0).forEach((release) => release());
            await work;
          }
        }
      } finally {
        clearInterval(saturate);
      }
      expect(await refused?.json()).toMatchObject({ message: expect.stringContaining('(event-loop-delay)') });
      // Idle again: within a few samples the next request is admitted.
      let admitted = false;
      for (let attempt = 0; attempt < 40 && !admitted; attempt++) {
        const work = fetch(`${s.base}/work`, { method: 'POST', body: '{}' });
        const status = await Promise.race([
          work.then((r) => r.status),
          s.held(1).then(() => 'held' as const),
        ]);
        if (status === 'held') {
          admitted = true;
          s.waiting.splice(0).forEach((release) => release());
          expect((await work).status).toBe(200);
        } else await new Promise((r) => setTimeout(r, 100));
      }
      expect(admitted).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('takes its limits from the configuration, with the event-loop check off unless set', () => {
    expect(loadServiceConfig('channels', {}).http.admission).toEqual({
      maxInFlight: 128,
      maxEventLoopDelayMs: 0,
      bodyTimeoutMs: 30_000,
    });
    expect(
      loadServiceConfig('channels', { HTTP_MAX_IN_FLIGHT: '16', HTTP_MAX_EVENT_LOOP_DELAY_MS: '500' }).http
        .admission,
    ).toMatchObject({ maxInFlight: 16, maxEventLoopDelayMs: 500 });
    expect(() => loadServiceConfig('channels', { HTTP_MAX_IN_FLIGHT: '0' })).toThrow(/HTTP_MAX_IN_FLIGHT/);
  });
});
