import { Command } from 'commander';
import { DeadLetters, KafkaJsMessageBus } from '@journey/messaging';
import type { DeadLetter } from '@journey/messaging';
import { print, table } from './output';

interface BusOptions {
  brokers: string;
  json?: boolean;
}

const brokersOption = (command: Command) =>
  command
    .option('--brokers <host:port,...>', 'Kafka brokers', process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092')
    .option('--json', 'print JSON instead of a table');

async function withDeadLetters<T>(options: BusOptions, run: (dlq: DeadLetters) => Promise<T>): Promise<T> {
  const bus = new KafkaJsMessageBus({
    clientId: 'journey-cli',
    brokers: options.brokers.split(',').map((b) => b.trim()),
    // The CLI talks to a broker that should be there: fail fast instead of retrying for minutes.
    retry: { retries: 2, initialRetryTime: 200 },
    logLevel: 0, // errors reach the user once, as the command's own message
  });
  try {
    return await run(new DeadLetters(bus));
  } finally {
    await bus.close();
  }
}

async function mustExist(letters: DeadLetters, group: string): Promise<void> {
  if (!(await letters.groups()).includes(group))
    throw new Error(
      `no dead-letter topic for group ${group} (journey dlq list shows the groups that have one)`,
    );
}

const letterRow = (d: DeadLetter) => [
  d.offset,
  d.failedAt.slice(0, 19).replace('T', ' '),
  d.eventType ?? '-',
  String(d.attempts),
  d.reason.length > 80 ? `${d.reason.slice(0, 77)}...` : d.reason,
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
        const counts = await Promise.all(
          (await letters.groups()).map(async (g) => ({
            group: g,
            deadLetters: (await letters.list(g)).length,
          })),
        );
        if (options.json) return void print(JSON.stringify(counts, null, 2));
        if (!counts.length) return void print('no dead-letter topics');
        return void print(
          table([['GROUP', 'DEAD LETTERS'], ...counts.map((c) => [c.group, String(c.deadLetters)])]),
        );
      }
      await mustExist(letters, group);
      const list = await letters.list(group);
      if (options.json) return void print(JSON.stringify(list, null, 2));
      if (!list.length) return void print(`no dead letters for ${group}`);
      print(table([['OFFSET', 'FAILED AT (UTC)', 'EVENT TYPE', 'TRIES', 'REASON'], ...list.map(letterRow)]));
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
        "Send every dead letter not yet redriven back to the group's retry topic; a second redrive sends nothing twice",
      )
      .argument('<group>', 'consumer group'),
  ).action(async (group: string, options: BusOptions) => {
    await withDeadLetters(options, async (letters) => {
      await mustExist(letters, group);
      const sent = await letters.redrive(group);
      print(
        options.json
          ? JSON.stringify({ group, redriven: sent })
          : `${sent} dead letter(s) of ${group} sent to journey.retry.${group}`,
      );
    });
  });
  return dlq;
}
