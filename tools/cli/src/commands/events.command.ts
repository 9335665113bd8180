import { Command } from 'commander';
import { formatPosition, comparePositions } from '@journey/eventstore';
import type { RecordedEvent } from '@journey/eventstore';
import { openStore, print, storeOptions } from '@journey/ops';
import type { StoreOptions } from '@journey/ops';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The customer's whole journey as stored: the contact's own stream and the streams of the
 * conversations its interactions happened in, in the order of the global log, personal fields opened
 * (and [erased] after an erasure).
 */
export async function journeyEvents(
  store: { readStream(id: string): Promise<RecordedEvent[]> },
  contactId: string,
) {
  const own = await store.readStream(`contact-${contactId}`);
  const conversations = new Set<string>();
  for (const e of own)
    if (e.type === 'contacts.interaction-recorded.v1')
      conversations.add((e.data as { conversationId: string }).conversationId);
  const streams = await Promise.all([...conversations].map((c) => store.readStream(`conversation-${c}`)));
  return [...own, ...streams.flat()].sort((a, b) => comparePositions(a.position, b.position));
}

export function eventsCommand(): Command {
  return storeOptions(
    new Command('events')
      .description(
        "A customer's whole journey as stored: the contact's events and those of its conversations, in order",
      )
      .requiredOption('--contact <id>', 'the contact id (a UUID)')
      .option('--json', 'print JSON lines (one event each) instead of text'),
  ).action(async (options: StoreOptions & { contact: string; json?: boolean }) => {
    if (!UUID.test(options.contact)) throw new Error('--contact must be a contact id (a UUID)');
    const store = await openStore(options);
    try {
      const events = await journeyEvents(store, options.contact);
      if (events.length === 0) throw new Error(`no events for contact ${options.contact}`);
      for (const e of events) {
        const line = {
          position: formatPosition(e.position),
          time: e.metadata.time,
          type: e.type,
          stream: e.streamId,
          revision: e.revision.toString(),
          id: e.id,
          data: e.data,
        };
        print(
          options.json
            ? JSON.stringify(line)
            : `${line.position.padEnd(14)} ${line.time}  ${line.type}  ${line.stream}@${line.revision}\n    ${JSON.stringify(line.data)}`,
        );
      }
    } finally {
      await store.close();
    }
  });
}
