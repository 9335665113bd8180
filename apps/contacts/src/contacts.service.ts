import type { ServiceDefinition } from '@journey/platform';
import { ContactsModule } from './contacts.module';

export const contactsService: ServiceDefinition = {
  name: 'contacts',
  module: ContactsModule,
  description:
    'Customer profiles, identities per channel, identity resolution and merge, VIP tier, traits, consent and erasure, and the unified customer view: the journey from pre-sale to post-sale.',
};
