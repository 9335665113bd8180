import { Module } from '@nestjs/common';
import { EventSourcingModule } from '@journey/messaging';
import { Contacts } from './contact/contacts';
import { ChannelEventsConsumer } from './identity-resolution/channel-events.consumer';
import { IdentityIndex } from './identity-resolution/identity-index';
import { IdentityResolution } from './identity-resolution/identity-resolution';
import { JourneyEventsController } from './journey-events/journey-events.controller';
import { ContactsController } from './unified-view/contacts.controller';
import { UnifiedView } from './unified-view/unified-view';

/** The contacts bounded context: identity resolution, journey facts and the unified customer view. */
@Module({
  imports: [EventSourcingModule.forService()],
  controllers: [ContactsController, JourneyEventsController],
  providers: [ChannelEventsConsumer, Contacts, IdentityIndex, IdentityResolution, UnifiedView],
})
export class ContactsModule {}
