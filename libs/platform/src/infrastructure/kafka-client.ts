import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig, logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service-config';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Routes kafkajs's own logging into the service's structured logger (info and above). */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, timestamp: _timestamp, logger: _kafkaLogger, ...fields } = log;
      logger[LEVELS[level] ?? 'info'](
        { component: 'kafkajs', namespace: fields['namespace'], ...fields },
        message,
      );
    };
}

/** Where the brokers are and how a client proves who it is: the part of the settings every client shares. */
export type KafkaConnection = Pick<ServiceConfig['kafka'], 'brokers' | 'sasl' | 'tls'>;

/**
 * The brokers, TLS and SASL settings of kafkajs for a connection. The CA file is read here, once per
 * client, so a rotated certificate (a new Secret, a restarted pod) is picked up without a rebuild.
 */
export function kafkaConnectionConfig(
  connection: KafkaConnection,
): Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> {
  const config: Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> = { brokers: connection.brokers };
  if (connection.tls) {
    config.ssl = connection.tls.caFile
      ? { ca: [readFileSync(connection.tls.caFile, 'utf8')], rejectUnauthorized: true }
      : true;
  }
  if (connection.sasl) {
    const { mechanism, username, password } = connection.sasl;
    // One literal per mechanism: kafkajs types each as its own option.
    switch (mechanism) {
      case 'scram-sha-512':
        config.sasl = { mechanism, username, password };
        break;
      case 'scram-sha-256':
        config.sasl = { mechanism, username, password };
        break;
      case 'plain':
        config.sasl = { mechanism, username, password };
        break;
    }
  }
  return config;
}

/** The kafkajs settings every client of a service shares. */
export function kafkaClientConfig(
  connection: KafkaConnection,
  clientId: string,
  logger: Logger,
): KafkaConfig {
  return {
    clientId,
    ...kafkaConnectionConfig(connection),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    connectionTimeout: 3_000,
    // A SASL handshake adds round trips (SCRAM: two) to every new connection.
    ...(connection.sasl ? { authenticationTimeout: 5_000 } : {}),
    retry: { initialRetryTime: 300, retries: 8 },
  };
}

/** A kafkajs client for a service. */
export function createKafka(connection: KafkaConnection, clientId: string, logger: Logger): Kafka {
  return new Kafka(kafkaClientConfig(connection, clientId, logger));
}
