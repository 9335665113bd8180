import { Writable } from 'node:stream';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import type { ArgumentsHost } from '@nestjs/common';
import { createLogger } from '../logging/logger';
import { errorAnswer } from './error-answer';
import { ErrorAnswerFilter } from './error-answer.filter';

class WrongExpectedRevisionError extends Error {
  override name = 'WrongExpectedRevisionError';
}

describe('errorAnswer', () => {
  it('answers an HttpException as it is, and wraps a bare message in the usual body', () => {
    const body = { statusCode: 400, error: 'Bad Request', message: 'invalid body: x: required' };
    expect(errorAnswer(new BadRequestException(body), 'c-1')).toMatchObject({ status: 400, body });
    expect(errorAnswer(new NotFoundException('no API channel nope'), 'c-1').body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no API channel nope',
    });
  });

  it('answers concurrent writes that ran out of retries with 409 and Retry-After', () => {
    const answer = errorAnswer(new WrongExpectedRevisionError('conversation-1: expected 3, was 4'), 'c-1');
    expect(answer).toMatchObject({ status: 409, headers: { 'Retry-After': '1' }, unexpected: false });
    expect(answer.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
  });

  it('answers an unreachable store with 503 and Retry-After, never 500', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:15432'), {
      code: 'ECONNREFUSED',
    });
    const answer = errorAnswer(refused, 'c-1');
    expect(answer).toMatchObject({ status: 503, headers: { 'Retry-After': '5' }, unexpected: false });
    expect(answer.body['message']).toMatch(/unreachable/);
    expect(errorAnswer(Object.assign(new Error('x'), { code: '57P01' }), 'c').status).toBe(503);
  });

  it('answers anything else with a 500 that names the correlation id and nothing of the error', () => {
    const answer = errorAnswer(new TypeError('cannot read li.wei@example.com of undefined'), 'corr-9');
    expect(answer).toMatchObject({ status: 500, unexpected: true });
    expect(answer.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'an unexpected error occurred (correlation id corr-9)',
      correlationId: 'corr-9',
    });
  });
});

describe('ErrorAnswerFilter', () => {
  function run(err: unknown) {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const sent: { status?: number; headers?: Record<string, string>; body?: unknown } = {};
    const res = {
      headersSent: false,
      set: (h: Record<string, string>) => ((sent.headers = h), res),
      status: (s: number) => ((sent.status = s), res),
      json: (b: unknown) => ((sent.body = b), res),
    };
    const req = { correlationId: 'corr-1', method: 'POST', path: '/v1/x/li.wei%40example.com', baseUrl: '' };
    const host = {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ArgumentsHost;
    new ErrorAnswerFilter(createLogger('spec', 'info', sink)).catch(err, host);
    return { sent, logged: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  }

  it('sends the answer with its headers, and logs an unexpected error with its correlation id, without personal data', () => {
    const { sent, logged } = run(new Error('no contact for li.wei@example.com'));
    expect(sent).toMatchObject({ status: 500, body: { correlationId: 'corr-1' } });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', correlationId: 'corr-1', method: 'POST' });
    expect(JSON.stringify(logged[0])).not.toContain('li.wei');
    expect((logged[0]!['err'] as { message: string }).message).toBe('no contact for [email]');
  });

  it('does not log a client error, and sets Retry-After on a conflict', () => {
    expect(run(new BadRequestException('nope')).logged).toEqual([]);
    expect(run(new WrongExpectedRevisionError('x')).sent).toMatchObject({
      status: 409,
      headers: { 'Retry-After': '1' },
    });
  });

  it('leaves errors of other transports to them', () => {
    const host = { getType: () => 'rpc' } as unknown as ArgumentsHost;
    const err = new Error('kafka handler failed');
    expect(() => new ErrorAnswerFilter(createLogger('spec', 'silent')).catch(err, host)).toThrow(err);
  });
});
