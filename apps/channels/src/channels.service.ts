import type { ServiceDefinition } from '@journey/platform';
import { ChannelsModule } from './channels.module';

export const channelsService: ServiceDefinition = {
  name: 'channels',
  module: ChannelsModule,
  description:
    'Entry points a customer uses: web chat, email, WeChat official account, app / partner API and phone. Every interaction becomes a conversation event.',
};
