import type { ServiceDefinition } from '@journey/platform';
import { TicketsModule } from './tickets.module';

export const ticketsService: ServiceDefinition = {
  name: 'tickets',
  module: TicketsModule,
  description:
    'Ticket lifecycle, agent groups and skills, assignment, SLA policies with durable breach timers, escalation, transfer with context, internal notes and satisfaction surveys.',
};
