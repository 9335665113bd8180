import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig, logCreator } from 'kafkajs';
import type { Logger } from 'pino';

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

/** The kafkajs settings every client of a service shares. */
export function kafkaClientConfig(brokers: string[], clientId: string, logger: Logger): KafkaConfig {
  return {
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 300, retries: 8 },
  };
}

/** A kafkajs client for a service. */
export function createKafka(brokers: string[], clientId: string, logger: Logger): Kafka {
  return new Kafka(kafkaClientConfig(brokers, clientId, logger));
}
