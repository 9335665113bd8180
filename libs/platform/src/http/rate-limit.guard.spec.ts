import type { HttpException } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { loadServiceConfig } from '../config/service-config';
import { ClientRateLimits, RateLimitGuard } from './rate-limit.guard';

function call(
  guard: RateLimitGuard,
  request: Record<string, unknown>,
): Promise<{ status: number; headers: Record<string, string>; err?: HttpException }> {
  const headers: Record<string, string> = {};
  const context = {
    getType: () => 'http',
    switchToHttp: () => ({
      getRequest: () => ({ socket: {}, ...request }),
      getResponse: () => ({ setHeader: (k: string, v: string) => (headers[k] = v) }),
    }),
  } as unknown as ExecutionContext;
  return guard.canActivate(context).then(
    () => ({ status: 200, headers }),
    (err: unknown) => ({ status: (err as HttpException).getStatus(), headers, err: err as HttpException }),
  );
}

describe('the rate limit', () => {
  const guard = () =>
    new RateLimitGuard(
      new ClientRateLimits(
        loadServiceConfig('channels', { RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST: '4' }),
      ),
    );

  it('lets a burst through, then answers 429 with Retry-After and a clear message', async () => {
    const g = guard();
    const from = { ip: '203.0.113.7' };
    for (let i = 0; i < 4; i++) expect((await call(g, from)).status).toBe(200);
    const refused = await call(g, from);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(refused.err?.getResponse()).toMatchObject({ error: 'Too Many Requests' });
  });

  it('counts each client apart: an authenticated subject wherever it calls from, else the address', async () => {
    const g = guard();
    for (let i = 0; i < 4; i++) await call(g, { ip: '203.0.113.8' });
    expect((await call(g, { ip: '203.0.113.8' })).status).toBe(429);
    expect((await call(g, { ip: '203.0.113.9' })).status).toBe(200);
    for (let i = 0; i < 4; i++) await call(g, { ip: `198.51.100.${i}`, principal: { subject: 'agent-1' } });
    expect((await call(g, { ip: '198.51.100.99', principal: { subject: 'agent-1' } })).status).toBe(429);
    expect((await call(g, { ip: '203.0.113.8', principal: { subject: 'agent-2' } })).status).toBe(200);
  });

  it("is one budget per client whichever way it comes in (a socket's frames spend the same as requests)", async () => {
    const limits = new ClientRateLimits(
      loadServiceConfig('channels', { RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST: '4' }),
    );
    const g = new RateLimitGuard(limits);
    for (let i = 0; i < 3; i++) expect(await limits.consume('sub:agent-3')).toEqual({ ok: true });
    expect((await call(g, { principal: { subject: 'agent-3' } })).status).toBe(200);
    expect(await limits.consume('sub:agent-3')).toEqual({ ok: false, retryAfterSeconds: expect.any(Number) });
    expect((await call(g, { principal: { subject: 'agent-3' } })).status).toBe(429);
  });
});
