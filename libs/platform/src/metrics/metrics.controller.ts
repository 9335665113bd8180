import { timingSafeEqual } from 'node:crypto';
import {
  Controller,
  Get,
  Headers,
  Inject,
  Res,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../infrastructure/infrastructure-connections';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { prometheusMetrics } from '../telemetry/telemetry';

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * The service's OpenTelemetry metrics in Prometheus' text format, on the service's own port. Not an
 * agent's API (no JWT): the NetworkPolicy lets only Prometheus in, and METRICS_TOKEN, when set, is the
 * bearer token Prometheus sends. No label carries personal data.
 */
@ApiTags('health')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  @Get()
  @ApiOperation({
    summary:
      'Prometheus metrics: HTTP requests, consumer lag and stalls, parked and retried events, and what the service adds',
  })
  @ApiProduces('text/plain')
  @ApiBearerAuth()
  @ApiOkResponse({
    description: 'The Prometheus text exposition format (version 0.0.4)',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiErrors(401, 503)
  metrics(@Headers('authorization') authorization: string | undefined, @Res() res: Response): void {
    const token = this.config.http.metricsToken;
    if (token !== undefined) {
      const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '';
      if (!sameSecret(given, token))
        throw new UnauthorizedException('a valid METRICS_TOKEN bearer token is needed');
    }
    const prometheus = prometheusMetrics();
    if (!prometheus)
      throw new ServiceUnavailableException(
        'metrics are not served here: telemetry is off or OTEL_METRICS_EXPORTER names another exporter',
      );
    prometheus.getMetricsRequestHandler(res.req, res);
  }
}
