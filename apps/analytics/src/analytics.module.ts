import { Module } from '@nestjs/common';
import { EventSourcingModule } from '@journey/messaging';
import { DashboardController } from './dashboard/dashboard.controller';
import { ANALYTICS_OPTIONS, loadAnalyticsOptions } from './analytics-options';
import { TicketReports } from './figures/ticket-reports';
import { FiguresController } from './http/figures.controller';
import { OperationsController } from './http/operations.controller';
import { OperationsMonitor } from './operations/operations-monitor';
import { AnalyticsReadModels } from './analytics-read-models';
import { JourneyReports } from './journey/journey-reports';
import { JourneyFiguresController } from './http/journey-figures.controller';

/** The analytics bounded context: read models of every topic, the figures measured from them, and the operations monitor. */
@Module({
  imports: [EventSourcingModule.forService()],
  controllers: [FiguresController, JourneyFiguresController, OperationsController, DashboardController],
  providers: [
    AnalyticsReadModels,
    TicketReports,
    JourneyReports,
    OperationsMonitor,
    { provide: ANALYTICS_OPTIONS, useFactory: () => loadAnalyticsOptions() },
  ],
})
export class AnalyticsModule {}
