import type { ServiceDefinition } from '@journey/platform';
import { AnalyticsModule } from './analytics.module';

export const analyticsService: ServiceDefinition = {
  name: 'analytics',
  module: AnalyticsModule,
  description:
    'Read models only: response and resolution times, first-contact resolution, satisfaction, SLA compliance and backlog, by agent, group, channel and period.',
};
