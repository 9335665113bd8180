import { containerRuntimeAvailable, startContainers } from './containers';
import type { StartedContainers } from './containers';
import { localInfrastructureAddresses, tcpReachable } from './local-infrastructure';
import { INFRA_ENV } from './test-infrastructure';

declare global {
  var __journeyContainers: StartedContainers | undefined;
}

/**
 * Jest global setup of every integration run. JOURNEY_TEST_INFRA chooses: `containers`
 * (testcontainers, needs a Docker engine), `local` (the servers of `npm run infra:up`), or `auto`
 * (default: containers when an engine answers, local otherwise).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env[INFRA_ENV.mode]) return; // an outer runner already resolved it
  const wanted = process.env['JOURNEY_TEST_INFRA'] ?? 'auto';
  if (!['auto', 'local', 'containers'].includes(wanted)) {
    throw new Error(`JOURNEY_TEST_INFRA must be auto, local or containers (got "${wanted}")`);
  }
  const useContainers = wanted === 'containers' || (wanted === 'auto' && (await containerRuntimeAvailable()));
  if (useContainers) {
    const started = await startContainers();
    globalThis.__journeyContainers = started;
    Object.assign(process.env, {
      [INFRA_ENV.mode]: 'containers',
      [INFRA_ENV.kafka]: started.kafkaBrokers.join(','),
      [INFRA_ENV.postgres]: started.postgresUrl,
      [INFRA_ENV.mongo]: started.mongoUrl,
      [INFRA_ENV.kurrentdb]: started.kurrentdbUrl,
    });
    process.stdout.write('\n[test infra] testcontainers: Kafka, PostgreSQL, MongoDB, KurrentDB\n');
    return;
  }
  const local = localInfrastructureAddresses();
  const checks: [string, string][] = [
    ['Kafka', local.kafkaBrokers[0] ?? ''],
    ['PostgreSQL', new URL(local.postgresUrl).host],
    ['MongoDB-wire server', new URL(local.mongoUrl).host],
  ];
  const failures = (
    await Promise.all(
      checks.map(([name, at]) =>
        tcpReachable(at).then(
          () => '',
          (err: Error) => `${name}: ${err.message}`,
        ),
      ),
    )
  ).filter(Boolean);
  if (failures.length > 0) {
    throw new Error(
      `No Docker engine answers and the local infrastructure is not running:\n  ${failures.join('\n  ')}\n` +
        'Start it with `npm run infra:up` (npm test does this for you).',
    );
  }
  const kurrentdbUrl = process.env['KURRENTDB_URL'];
  const scram = local.kafkaScramBrokers[0] ?? '';
  const scramAnswers = await tcpReachable(scram).then(
    () => true,
    () => false,
  );
  Object.assign(process.env, {
    ...(scramAnswers ? { [INFRA_ENV.kafkaScram]: local.kafkaScramBrokers.join(',') } : {}),
    [INFRA_ENV.mode]: 'local',
    [INFRA_ENV.kafka]: local.kafkaBrokers.join(','),
    [INFRA_ENV.postgres]: local.postgresUrl,
    [INFRA_ENV.mongo]: local.mongoUrl,
    ...(kurrentdbUrl ? { [INFRA_ENV.kurrentdb]: kurrentdbUrl } : {}),
  });
  process.stdout.write(
    `\n[test infra] local servers: Kafka ${checks[0]?.[1]}, PostgreSQL ${checks[1]?.[1]}, MongoDB wire ${checks[2]?.[1]}` +
      `${scramAnswers ? `, Kafka SASL/SCRAM ${scram}` : ''}${kurrentdbUrl ? `, KurrentDB ${new URL(kurrentdbUrl).host}` : ' (no KurrentDB: its tests will say they are skipped)'}\n`,
  );
}
