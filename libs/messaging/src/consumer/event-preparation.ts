import type { EventCatalogue, EventEnvelope } from '@journey/contracts';
import { personalDataSubject } from '@journey/eventstore';
import type { PersonalDataProtection } from '@journey/eventstore';
import { isTransientError } from '@journey/platform';
import { failureReason } from '../dead-letter/failure-reason';

export interface EventPreparationOptions {
  /** Checks each event's data and upcasts old versions to the latest. */
  catalogue?: Pick<EventCatalogue, 'validate'>;
  /** Opens the encrypted personal fields (erased ones read as [erased]). */
  personalData?: Pick<PersonalDataProtection, 'reveal'>;
}

export type PreparedEvent = { ok: true; envelope: EventEnvelope } | { ok: false; reason: string };

/**
 * What every reader does to an event before its handler or projection sees it, live from Kafka and on
 * replay from the store alike: open its personal fields, then check and upcast its data against the
 * catalogue. One step for both paths, so a replay builds what the live path built.
 */
export class EventPreparation {
  constructor(private readonly options: EventPreparationOptions = {}) {}

  /** Opens a batch with one key lookup; throws when the key store cannot be read (a passing fault). */
  async revealAll(envelopes: EventEnvelope[]): Promise<EventEnvelope[]> {
    const personalData = this.options.personalData;
    if (!personalData || envelopes.length === 0) return envelopes;
    const data = await personalData.reveal(
      envelopes.map((e) => ({
        type: e.type,
        data: e.data,
        subject: personalDataSubject(e.subject, e.contactId),
      })),
    );
    return envelopes.map((e, i) => (data[i] === e.data ? e : { ...e, data: data[i] }));
  }

  async reveal(envelope: EventEnvelope): Promise<EventEnvelope> {
    const [revealed] = await this.revealAll([envelope]);
    return revealed ?? envelope;
  }

  /**
   * Opens and checks a batch: what each reader's handler or projection is given, in order. Personal
   * data is opened with one key lookup; when that fails for good, each event is opened alone so that
   * one event that cannot be opened does not stop the others. A passing fault of the key store is
   * thrown (the caller waits it out); every other failure is that event's, with its reason.
   */
  async prepareAll(envelopes: EventEnvelope[]): Promise<PreparedEvent[]> {
    let opened: (EventEnvelope | { failed: string })[];
    try {
      opened = await this.revealAll(envelopes);
    } catch (err) {
      if (isTransientError(err)) throw err;
      opened = [];
      for (const envelope of envelopes) {
        try {
          opened.push(await this.reveal(envelope));
        } catch (single) {
          if (isTransientError(single)) throw single;
          opened.push({ failed: `personal data could not be opened: ${failureReason(single)}` });
        }
      }
    }
    return opened.map((o) => ('failed' in o ? { ok: false, reason: o.failed } : this.check(o)));
  }

  /** The envelope with its data checked (and upcast); readers accept erased personal data. */
  check(envelope: EventEnvelope): PreparedEvent {
    const catalogue = this.options.catalogue;
    if (!catalogue) return { ok: true, envelope };
    let checked: ReturnType<typeof catalogue.validate>;
    try {
      checked = catalogue.validate(envelope.type, envelope.data, 'read');
    } catch (err) {
      // An upcaster that throws on this event's data: as deterministic as a schema failure.
      return { ok: false, reason: `${envelope.type}: upcasting failed: ${(err as Error).message}` };
    }
    return checked.ok
      ? { ok: true, envelope: { ...envelope, type: checked.type, data: checked.data } }
      : { ok: false, reason: checked.reason };
  }
}
