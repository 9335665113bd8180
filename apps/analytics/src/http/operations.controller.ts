import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiAnswer, ApiErrors, Roles } from '@journey/platform';
import { OperationsMonitor } from '../operations/operations-monitor';

const operationsAnswer = z.object({
  at: z.string().describe('when the monitor read Kafka and the records'),
  ageSeconds: z.number().describe('how old that reading is (it grows while reads fail)'),
  consumerLag: z.array(
    z.object({ service: z.string(), group: z.string(), topic: z.string(), lag: z.number() }),
  ),
  deadLetters: z.array(z.object({ service: z.string(), group: z.string(), messages: z.number() })),
  projectionLag: z.array(z.object({ projection: z.string(), lag: z.number() })),
  slaBreachesOpen: z.array(z.object({ group: z.string(), metric: z.string(), breaches: z.number() })),
});

/** The operational state the Prometheus gauges show, as JSON for the dashboard and for people. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/operations')
export class OperationsController {
  constructor(private readonly monitor: OperationsMonitor) {}

  @Get()
  @Roles('supervisor', 'admin')
  @ApiOperation({
    summary:
      'Consumer lag of every service’s consumer groups, dead letters per group, the analytics projections’ lag and the SLA breaches open, as last read',
  })
  @ApiAnswer(operationsAnswer)
  @ApiErrors(401, 403, 503)
  operations() {
    const current = this.monitor.current();
    if (!current)
      throw new ServiceUnavailableException('the operations monitor has not read Kafka yet; retry shortly');
    return current;
  }
}
