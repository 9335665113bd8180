import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../infrastructure/infrastructure-connections';

export type RateLimitAnswer = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Each client's budget, shared by every way in: HTTP requests (the guard below) and the frames of a
 * WebSocket (the web chat), so that a socket is no way around the limit. Same window as the guard.
 */
@Injectable()
export class ClientRateLimits {
  private readonly limiter: RateLimiterMemory;

  constructor(@Inject(SERVICE_CONFIG) config: ServiceConfig) {
    const { perSecond, burst } = config.http.rateLimit;
    this.limiter = new RateLimiterMemory({ points: burst, duration: Math.ceil(burst / perSecond) });
  }

  /** Spends one unit of `client`'s budget (`sub:<token subject>`, `ip:<address>`, `visitor:<id>`). */
  async consume(client: string): Promise<RateLimitAnswer> {
    try {
      await this.limiter.consume(client);
      return { ok: true };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
    }
  }
}

/**
 * A per-client request budget: RATE_LIMIT_BURST requests per RATE_LIMIT_BURST / RATE_LIMIT_PER_SECOND
 * seconds, so a client may send a burst at once and averages the per-second rate over the window.
 * Past it, 429 with Retry-After. It runs after authentication, so a token's subject is one client
 * wherever it calls from; webhooks and visitors (no token) count by their address. Each replica
 * keeps its own counts in memory.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly limits: ClientRateLimits) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const subject = request.principal?.subject;
    const key = subject ? `sub:${subject}` : `ip:${request.ip ?? request.socket.remoteAddress ?? 'unknown'}`;
    const answer = await this.limits.consume(key);
    if (answer.ok) return true;
    const seconds = answer.retryAfterSeconds;
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
    throw new HttpException(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        message: `too many requests from this client; retry in ${seconds} s`,
      },
      429,
    );
  }
}
