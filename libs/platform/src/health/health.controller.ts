import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ServiceConfig } from '../config/service-config';
import { InfrastructureConnections, SERVICE_CONFIG } from '../infrastructure/infrastructure-connections';
import { Public } from '../auth/public.decorator';
import { degradations } from './degradations';

const LIVE_SCHEMA = {
  type: 'object' as const,
  properties: { status: { type: 'string' as const, enum: ['ok'] }, service: { type: 'string' as const } },
};
// Terminus's report: each check under info (up) or error (down), and all of them under details.
const CHECKS = { type: 'object' as const, additionalProperties: { type: 'object' as const } };
const READY_SCHEMA = {
  type: 'object' as const,
  properties: {
    status: { type: 'string' as const, enum: ['ok', 'error'] },
    info: CHECKS,
    error: CHECKS,
    details: CHECKS,
  },
};

/** Kubernetes probes: liveness says the process answers; readiness says its stores and broker do too. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly connections: InfrastructureConnections,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  @ApiOkResponse({ schema: LIVE_SCHEMA })
  live(): { status: 'ok'; service: string } {
    return { status: 'ok', service: this.config.service };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: Kafka, the event store and the read-model store all answer, and no consumer is ' +
      'waiting out an infrastructure fault (503 otherwise)',
  })
  @ApiOkResponse({ description: 'Every dependency answers', schema: READY_SCHEMA })
  @ApiResponse({
    status: 503,
    description: 'A dependency does not answer (named in error)',
    schema: READY_SCHEMA,
  })
  ready() {
    const timeout = this.config.readinessTimeoutMs;
    return this.health.check([
      () =>
        this.indicators
          .check('kafka')
          .attempt(() => this.connections.pingKafka())
          .withTimeout(timeout),
      () =>
        this.indicators
          .check('eventStore')
          .attempt(() => this.connections.pingEventStore())
          .withTimeout(timeout),
      () =>
        this.indicators
          .check('readModels')
          .attempt(() => this.connections.pingReadModels())
          .withTimeout(timeout),
      () => {
        const stalled = degradations();
        const indicator = this.indicators.check('consumers');
        return stalled.length === 0 ? indicator.up() : indicator.down({ stalled });
      },
    ]);
  }
}
