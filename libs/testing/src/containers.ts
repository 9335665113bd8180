import { GenericContainer, getContainerRuntimeClient, Wait } from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import { KafkaContainer } from '@testcontainers/kafka';
import { MongoDBContainer } from '@testcontainers/mongodb';
import { PostgreSqlContainer } from '@testcontainers/postgresql';

export const CONTAINER_IMAGES = {
  kafka: 'confluentinc/cp-kafka:8.0.0',
  postgres: 'postgres:17-alpine',
  mongo: 'mongo:8.0',
  kurrentdb: 'docker.kurrent.io/kurrent-latest/kurrentdb:25.1',
} as const;

/** True when testcontainers finds a Docker (or compatible) engine that answers. */
export async function containerRuntimeAvailable(timeoutMs = 5_000): Promise<boolean> {
  const probe = getContainerRuntimeClient().then(
    () => true,
    () => false,
  );
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  return Promise.race([probe, timeout]);
}

export interface StartedContainers {
  kafkaBrokers: string[];
  postgresUrl: string;
  mongoUrl: string;
  kurrentdbUrl: string;
  stop(): Promise<void>;
}

/** Starts Kafka, PostgreSQL, MongoDB and KurrentDB in containers, in parallel. */
export async function startContainers(): Promise<StartedContainers> {
  const [kafka, postgres, mongo, kurrentdb] = await Promise.all([
    new KafkaContainer(CONTAINER_IMAGES.kafka).withKraft().start(),
    new PostgreSqlContainer(CONTAINER_IMAGES.postgres)
      .withDatabase('journey')
      .withUsername('journey')
      .withPassword('journey')
      .start(),
    new MongoDBContainer(CONTAINER_IMAGES.mongo).start(),
    new GenericContainer(CONTAINER_IMAGES.kurrentdb)
      .withEnvironment({ KURRENTDB_INSECURE: 'true', KURRENTDB_RUN_PROJECTIONS: 'All' })
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
      .start(),
  ]);
  const all: StartedTestContainer[] = [kafka, postgres, mongo, kurrentdb];
  return {
    kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
    postgresUrl: postgres.getConnectionUri(),
    mongoUrl: `${mongo.getConnectionString()}/?directConnection=true`,
    kurrentdbUrl: `kurrentdb://${kurrentdb.getHost()}:${kurrentdb.getMappedPort(2113)}?tls=false`,
    stop: async () => {
      await Promise.allSettled(all.map((c) => c.stop()));
    },
  };
}
