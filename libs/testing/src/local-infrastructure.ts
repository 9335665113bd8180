import { connect } from 'node:net';

/** Addresses of the servers `infra/local/infra.sh` starts; the same variables move them. */
export function localInfrastructureAddresses(env: NodeJS.ProcessEnv = process.env) {
  const kafkaPort = env['JOURNEY_KAFKA_PORT'] ?? '19092';
  const kafkaScramPort = env['JOURNEY_KAFKA_SCRAM_PORT'] ?? '19094';
  const pgPort = env['JOURNEY_PG_PORT'] ?? '15432';
  const mongoPort = env['JOURNEY_MONGO_PORT'] ?? '27018';
  return {
    kafkaBrokers: [`127.0.0.1:${kafkaPort}`],
    kafkaScramBrokers: [`127.0.0.1:${kafkaScramPort}`],
    postgresUrl: `postgres://journey:journey@127.0.0.1:${pgPort}/journey`,
    mongoUrl: `mongodb://127.0.0.1:${mongoPort}/`,
  };
}

/** The local Kafka's SCRAM password of a service's user (infra.sh sets them; loopback only). */
export const localKafkaScramPassword = (user: string): string => `${user}-local-password`;

/** Resolves when something accepts TCP connections on host:port, rejects after `timeoutMs`. */
export function tcpReachable(hostPort: string, timeoutMs = 2_000): Promise<void> {
  const [host = '127.0.0.1', port = '0'] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`${hostPort} did not answer within ${timeoutMs} ms`));
    });
    socket.once('error', (err) => reject(new Error(`${hostPort}: ${err.message}`)));
  });
}
