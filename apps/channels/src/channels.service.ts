import type { ServiceDefinition } from '@journey/platform';
import { ChannelsModule } from './channels.module';
import { EMAIL_BODY_LIMIT } from './webhooks/email/email-providers.controller';

export const channelsService: ServiceDefinition = {
  name: 'channels',
  module: ChannelsModule,
  description:
    'Entry points a customer uses: web chat, email, WeChat official account, app / partner API and phone. Every interaction becomes a conversation event.',
  // Inbound email carries its attachments: a large one is refused without losing the message.
  largeBodies: [{ path: '/v1/webhooks/email', limit: EMAIL_BODY_LIMIT }],
};
