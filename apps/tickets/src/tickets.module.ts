import { Module } from '@nestjs/common';
import { EventSourcingModule } from '@journey/messaging';
import { Agents } from './agent/agents';
import { Dispatcher } from './assignment/dispatcher';
import { RoutingConsumer } from './assignment/routing.consumer';
import { Boards } from './board/boards';
import { AdminController } from './http/admin.controller';
import { CsatController } from './http/csat.controller';
import { ImportsController } from './http/imports.controller';
import { TicketImport } from './import/ticket-import';
import { TicketsController } from './http/tickets.controller';
import { ChannelIntakeConsumer } from './intake/channel-intake.consumer';
import { ContactsIntakeConsumer } from './intake/contacts-intake.consumer';
import { TicketsSettings } from './sla/sla-book';
import { SlaTimers } from './sla/sla-timers';
import { Tickets } from './ticket/tickets';
import { loadTicketsOptions, TICKETS_OPTIONS } from './tickets-options';

/** The tickets bounded context: tickets, agents and groups, assignment, SLA timers and CSAT. */
@Module({
  imports: [EventSourcingModule.forService()],
  controllers: [TicketsController, AdminController, CsatController, ImportsController],
  providers: [
    { provide: TICKETS_OPTIONS, useFactory: () => loadTicketsOptions() },
    Agents,
    Boards,
    ChannelIntakeConsumer,
    ContactsIntakeConsumer,
    Dispatcher,
    RoutingConsumer,
    SlaTimers,
    TicketImport,
    Tickets,
    TicketsSettings,
  ],
})
export class TicketsModule {}
