import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ServiceConfig } from '../config/service-config';
import { InfrastructureConnections, SERVICE_CONFIG } from '../infrastructure/infrastructure-connections';
import { Public } from '../auth/public.decorator';

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
  live(): { status: 'ok'; service: string } {
    return { status: 'ok', service: this.config.service };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: Kafka, the event store and the read-model store all answer (503 otherwise)',
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
    ]);
  }
}
