import { Module } from '@nestjs/common';
import { EventSourcingModule } from '@journey/messaging';
import { TicketReports } from './figures/ticket-reports';
import { FiguresController } from './http/figures.controller';

/** The analytics bounded context: read models of every topic and the figures measured from them. */
@Module({
  imports: [EventSourcingModule.forService()],
  controllers: [FiguresController],
  providers: [TicketReports],
})
export class AnalyticsModule {}
