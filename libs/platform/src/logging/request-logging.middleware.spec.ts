import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { createLogger } from './logger';
import { requestLogging, routeOf } from './request-logging.middleware';

describe('request logging', () => {
  it('logs the route pattern of a matched route, never its values', () => {
    const req = { route: { path: '/:id/view' }, baseUrl: '/v1/contacts', path: '/v1/contacts/x/view' };
    expect(routeOf(req as unknown as Request)).toBe('/v1/contacts/:id/view');
  });

  it('logs an unmatched path decoded, with percent-encoded addresses and numbers masked', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      'spec',
      'info',
      new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const res = Object.assign(new EventEmitter(), { statusCode: 404, setHeader: () => undefined });
    const req = {
      header: () => undefined,
      method: 'GET',
      baseUrl: '',
      path: '/v1/customers/li.wei%40example.com/calls/%2B8613800138000',
    };
    requestLogging(logger)(
      req as unknown as Request,
      res as unknown as Response,
      (() => undefined) as NextFunction,
    );
    res.emit('finish');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ path: '/v1/customers/[email]/calls/[phone]', status: 404 });
    expect(lines[0]).not.toMatch(/li\.wei|8613800138000|%40/);
  });

  it('keeps a malformed escape masked, and a long path short', () => {
    const req = { baseUrl: '', path: `/x/%E0%A4%A/${'a'.repeat(500)}` };
    expect(routeOf(req as unknown as Request)).toHaveLength(200);
  });
});
