import type { Command } from 'commander';
import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';
import { PersonalDataEventStore } from '@journey/eventstore';
import { kafkaConnectionConfig, kafkaSecurityFromEnv, personalDataMasterKey } from '@journey/platform';

/** Where the CLI finds the event store, the read models and the key of personal data. */
export interface StoreOptions {
  eventstoreUrl: string;
  mongoUrl?: string;
  personalDataKeyFile: string;
}

/** The options every command that reads the store or a read model takes (defaults: the local setup). */
export function storeOptions(command: Command): Command {
  return command
    .option(
      '--eventstore-url <url>',
      'PostgreSQL event store (EVENTSTORE_URL)',
      process.env['EVENTSTORE_URL'] ?? 'postgres://journey:journey@127.0.0.1:15432/journey',
    )
    .option(
      '--mongo-url <url>',
      "MongoDB database of the projection's service (MONGO_URL; default the local journey-<service>)",
      process.env['MONGO_URL'],
    )
    .option(
      '--personal-data-key-file <file>',
      'master key of personal data, when PERSONAL_DATA_KEY is not set',
      process.env['PERSONAL_DATA_KEY_FILE'] ?? '.local/keys/personal-data.key',
    );
}

/**
 * The brokers and, from KAFKA_SASL_* and KAFKA_TLS* as the services read them, how to authenticate (a Job
 * in the cluster runs as a KafkaUser). A bad combination stops the command with the variables' names.
 */
export function cliKafkaConnection(brokers: string) {
  const { settings, problems } = kafkaSecurityFromEnv(process.env);
  if (problems.length > 0)
    throw new Error(`Kafka settings: ${problems.map((p) => `${p.variable} ${p.message}`).join('; ')}`);
  return kafkaConnectionConfig({
    brokers: brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    ...settings,
  });
}

/** The event store as the services read it: personal fields opened, erased ones as [erased]. */
export async function openStore(options: StoreOptions) {
  const key = process.env['PERSONAL_DATA_KEY'];
  const masterKey = await personalDataMasterKey({
    ...(key ? { key } : {}),
    keyFile: options.personalDataKeyFile,
  });
  return PersonalDataEventStore.connectPostgres({ connectionString: options.eventstoreUrl, masterKey });
}

/** The read-model database of a service, and a way to close it. */
export async function openReadModels(
  options: StoreOptions,
  service: string,
): Promise<{ db: Db; close(): Promise<void> }> {
  const url = options.mongoUrl ?? `mongodb://127.0.0.1:27018/journey-${service}`;
  const client = await MongoClient.connect(url, { serverSelectionTimeoutMS: 5_000 });
  return { db: client.db(), close: () => client.close() };
}
