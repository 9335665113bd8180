import { Module } from '@nestjs/common';
import { EventSourcingModule } from '@journey/messaging';
import { Contacts } from './contact/contacts';
import { ChannelEventsConsumer } from './identity-resolution/channel-events.consumer';
import { IdentityRegistry } from './identity-resolution/identity-registry';
import { ContactMerges } from './merge/contact-merges';
import { IdentityResolution } from './identity-resolution/identity-resolution';
import { PersonalDataErasure } from './erasure/personal-data-erasure';
import { JourneyEventsController } from './journey-events/journey-events.controller';
import { MergeController } from './merge/merge.controller';
import { ProfileController } from './profile/profile.controller';
import { ContactsController } from './unified-view/contacts.controller';
import { ErasureController } from './erasure/erasure.controller';
import { IdentityLookupController } from './identity-lookup/identity-lookup.controller';
import { UnifiedView } from './unified-view/unified-view';

/** The contacts bounded context: identity resolution, journey facts and the unified customer view. */
@Module({
  imports: [EventSourcingModule.forService()],
  controllers: [
    IdentityLookupController,
    ContactsController,
    ErasureController,
    JourneyEventsController,
    MergeController,
    ProfileController,
  ],
  providers: [
    ChannelEventsConsumer,
    ContactMerges,
    Contacts,
    IdentityRegistry,
    IdentityResolution,
    PersonalDataErasure,
    UnifiedView,
  ],
})
export class ContactsModule {}
