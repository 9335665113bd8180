import { Global, Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from 'pino';
import type { ServiceConfig } from './config/service-config';
import { AuthGuard } from './auth/auth.guard';
import { MeController } from './auth/me.controller';
import { TokenVerifier } from './auth/token-verifier';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { ErrorAnswerFilter } from './http/error-answer.filter';
import { ClientRateLimits, RateLimitGuard } from './http/rate-limit.guard';
import {
  InfrastructureConnections,
  SERVICE_CONFIG,
  SERVICE_LOGGER,
} from './infrastructure/infrastructure-connections';

/**
 * What every service has: configuration, logger, connections, health probes, authentication, a
 * per-client rate limit (after authentication: guards run in this order) and one error filter.
 */
@Global()
@Module({})
export class PlatformModule {
  static forService(config: ServiceConfig, logger: Logger): DynamicModule {
    return {
      module: PlatformModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 })],
      controllers: [HealthController, MeController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: SERVICE_LOGGER, useValue: logger },
        { provide: TokenVerifier, useFactory: () => new TokenVerifier(config.auth) },
        InfrastructureConnections,
        ClientRateLimits,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: ErrorAnswerFilter },
      ],
      exports: [SERVICE_CONFIG, SERVICE_LOGGER, InfrastructureConnections, TokenVerifier, ClientRateLimits],
    };
  }
}
