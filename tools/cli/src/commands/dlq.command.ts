import { Command } from 'commander';
import { DeadLetters, KafkaJsMessageBus, PostgresStreamParking } from '@journey/messaging';
import type { DeadLetter, ParkedStream } from '@journey/messaging';
import { cliKafkaConnection, print, table } from '@journey/ops';

interface BusOptions {
  brokers: string;
  eventstoreUrl: string;
  json?: boolean;
  stream?: string;
}

const brokersOption = (command: Command) =>
  command
    .option(
      '--brokers <host:port,...>',
      'Kafka brokers (KAFKA_BROKERS; KAFKA_SASL_* and KAFKA_TLS* set how to authenticate)',
      process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092',
    )
    .option(
      '--eventstore-url <url>',
      'PostgreSQL event store, which keeps the parked streams (EVENTSTORE_URL)',
      process.env['EVENTSTORE_URL'] ?? 'postgres://journey:journey@127.0.0.1:15432/journey',
    )
    .option('--json', 'print JSON instead of a table');

async function withDeadLetters<T>(options: BusOptions, run: (dlq: DeadLetters) => Promise<T>): Promise<T> {
  const bus = new KafkaJsMessageBus({
    clientId: 'journey-cli',
    ...cliKafkaConnection(options.brokers),
    // The CLI talks to a broker that should be there: fail fast instead of retrying for minutes.
    retry: { retries: 2, initialRetryTime: 200 },
    logLevel: 0, // errors reach the user once, as the command's own message
  });
  const parking = await PostgresStreamParking.connect({ connectionString: options.eventstoreUrl });
  try {
    return await run(new DeadLetters(bus, parking));
  } finally {
    await Promise.allSettled([bus.close(), parking.close()]);
  }
}

async function mustExist(letters: DeadLetters, group: string): Promise<void> {
  if (!(await letters.groups()).includes(group) && (await letters.parked(group)).length === 0)
    throw new Error(
      `no dead-letter topic for group ${group} (journey dlq list shows the groups that have one)`,
    );
}

const cut = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);
const letterRow = (d: DeadLetter) => [
  d.offset,
  d.failedAt.slice(0, 19).replace('T', ' '),
  d.eventType ?? '-',
  d.stream ?? '-',
  String(d.attempts),
  cut(d.reason),
];
const parkedRow = (p: ParkedStream) => [
  p.streamKey,
  p.parkedAt.toISOString().slice(0, 19).replace('T', ' '),
  String(p.messages),
  cut(p.reason),
];

/** `journey dlq`: the dead-letter topics of the consumer groups, and their redrive. */
export function dlqCommand(): Command {
  const dlq = new Command('dlq').description(
    'Dead-letter topics (journey.dlq.<group>): what failed, why, and redrive once the cause is fixed',
  );

  brokersOption(
    dlq
      .command('list')
      .description('Without a group: every group with dead letters and how many. With one: its dead letters.')
      .argument('[group]', 'consumer group, e.g. journey-channels-delivery'),
  ).action(async (group: string | undefined, options: BusOptions) => {
    await withDeadLetters(options, async (letters) => {
      if (!group) {
        const parked = await letters.parked();
        const groups = [...new Set([...(await letters.groups()), ...parked.map((p) => p.groupId)])].sort();
        const counts = await Promise.all(
          groups.map(async (g) => ({
            group: g,
            deadLetters: (await letters.groups()).includes(g) ? (await letters.list(g)).length : 0,
            parkedStreams: parked.filter((p) => p.groupId === g).length,
          })),
        );
        if (options.json) return void print(JSON.stringify(counts, null, 2));
        if (!counts.length) return void print('no dead-letter topics and no parked streams');
        return void print(
          table([
            ['GROUP', 'DEAD LETTERS', 'PARKED STREAMS'],
            ...counts.map((c) => [c.group, String(c.deadLetters), String(c.parkedStreams)]),
          ]),
        );
      }
      await mustExist(letters, group);
      const list = (await letters.groups()).includes(group) ? await letters.list(group) : [];
      const parked = await letters.parked(group);
      if (options.json) return void print(JSON.stringify({ deadLetters: list, parked }, null, 2));
      print(
        list.length
          ? table([
              ['OFFSET', 'FAILED AT (UTC)', 'EVENT TYPE', 'STREAM', 'TRIES', 'REASON'],
              ...list.map(letterRow),
            ])
          : `no dead letters for ${group}`,
      );
      print(
        parked.length
          ? `\nparked streams (waiting for a redrive, in order):\n${table([['STREAM', 'PARKED AT (UTC)', 'EVENTS', 'REASON OF THE FIRST'], ...parked.map(parkedRow)])}`
          : `\nno parked streams for ${group}`,
      );
    });
  });

  brokersOption(
    dlq
      .command('show')
      .description('One dead letter in full: reason, origin, headers and the event it holds')
      .argument('<group>', 'consumer group')
      .argument('<offset>', 'offset in the dead-letter topic (from dlq list)'),
  ).action(async (group: string, offset: string, options: BusOptions) => {
    await withDeadLetters(options, async (letters) => {
      await mustExist(letters, group);
      const letter = await letters.show(group, offset);
      if (!letter) throw new Error(`no dead letter at offset ${offset} for ${group}`);
      print(JSON.stringify(letter, null, 2));
    });
  });

  brokersOption(
    dlq
      .command('redrive')
      .description(
        "Once the cause is fixed: the group's consumer applies each parked stream's events again, in order, and releases the stream when all apply (one that fails again stays parked with the new reason)",
      )
      .argument('<group>', 'consumer group')
      .option('--stream <id>', 'only this parked stream'),
  ).action(async (group: string, options: BusOptions) => {
    await withDeadLetters(options, async (letters) => {
      await mustExist(letters, group);
      const sent = await letters.redrive(
        group,
        options.stream === undefined ? {} : { stream: options.stream },
      );
      if (options.stream !== undefined && sent.streams === 0)
        throw new Error(`stream ${options.stream} is not parked for ${group}`);
      print(
        options.json
          ? JSON.stringify({ group, ...sent })
          : `${sent.streams} parked stream(s) of ${group} (${sent.events} event(s)) sent to journey.retry.${group} to be applied in order; journey dlq list ${group} shows what is still parked`,
      );
    });
  });
  return dlq;
}
