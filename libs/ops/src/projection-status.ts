import { Command } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { ProjectionState } from '@journey/projections';
import type { ReadModel } from '@journey/projections';
import { cliKafkaConnection, openReadModels, storeOptions } from './connections';
import type { StoreOptions } from './connections';
import type { ReadModelSource } from './replay-command';
import { print, table } from './output';

interface ProjectionStatus {
  name: string;
  service: string;
  /** The version the code builds; `active` is the one serving. */
  version: number;
  activeVersion?: number;
  collection?: string;
  documents?: number;
  /** The live consumer group's committed offsets, summed over partitions. */
  checkpoint?: number;
  lag?: number;
  state: string;
}

/** How far the live consumer group is, from Kafka's committed offsets and the partitions' ends. */
async function groupLag(brokers: string, groupId: string, topics: string[]) {
  const admin = new Kafka({
    clientId: 'journey-cli',
    ...cliKafkaConnection(brokers),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  }).admin();
  await admin.connect();
  try {
    let checkpoint = 0;
    let lag = 0;
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const end of ends) {
        const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
        const done = at < 0 ? Number(end.low) : at;
        checkpoint += done;
        lag += Math.max(0, Number(end.high) - done);
      }
    }
    return { checkpoint, lag };
  } finally {
    await admin.disconnect();
  }
}

export async function projectionStatuses(
  readModels: readonly ReadModel[],
  options: StoreOptions & { brokers: string },
): Promise<ProjectionStatus[]> {
  const statuses: ProjectionStatus[] = [];
  for (const model of readModels) {
    const { projection, service } = model;
    const models = await openReadModels(options, service);
    try {
      const state = await new ProjectionState(models.db).get(projection.name);
      if (!state) {
        statuses.push({
          name: projection.name,
          service,
          version: projection.version,
          state: 'not built yet',
        });
        continue;
      }
      const documents = await models.db.collection(state.active).estimatedDocumentCount();
      const live = state.live
        ? await groupLag(options.brokers, state.live.groupId, state.live.topics).catch(() => undefined)
        : undefined;
      const status = state.build
        ? `rebuilding into ${state.build.collection} (${state.build.read} events read, at ${state.build.position})`
        : state.version !== projection.version
          ? `stale: the code builds v${projection.version}; run journey replay ${projection.name}`
          : live
            ? live.lag === 0
              ? 'live, caught up'
              : 'live'
            : 'built (no live consumer seen)';
      statuses.push({
        name: projection.name,
        service,
        version: projection.version,
        activeVersion: state.version,
        collection: state.active,
        documents,
        ...(live ? { checkpoint: live.checkpoint, lag: live.lag } : {}),
        state: status,
      });
    } finally {
      await models.close();
    }
  }
  return statuses;
}

/** `projections`: the status of each of the given read models. */
export function projectionsCommand(source: ReadModelSource): Command {
  return storeOptions(
    new Command('projections')
      .description(
        'Each projection: its version, the collection that serves, its live checkpoint and lag, its state',
      )
      .option(
        '--brokers <host:port,...>',
        'Kafka brokers (KAFKA_BROKERS; KAFKA_SASL_* and KAFKA_TLS* set how to authenticate)',
        process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092',
      )
      .option('--json', 'print JSON instead of a table'),
  ).action(async (options: StoreOptions & { brokers: string; json?: boolean }) => {
    const statuses = await projectionStatuses(typeof source === 'function' ? source() : source, options);
    if (options.json) return void print(JSON.stringify(statuses, null, 2));
    print(
      table([
        ['PROJECTION', 'SERVICE', 'VERSION', 'COLLECTION', 'DOCUMENTS', 'CHECKPOINT', 'LAG', 'STATE'],
        ...statuses.map((s) => [
          s.name,
          s.service,
          s.activeVersion !== undefined && s.activeVersion !== s.version
            ? `${s.activeVersion} → ${s.version}`
            : String(s.version),
          s.collection ?? '-',
          s.documents === undefined ? '-' : String(s.documents),
          s.checkpoint === undefined ? '-' : String(s.checkpoint),
          s.lag === undefined ? '-' : String(s.lag),
          s.state,
        ]),
      ]),
    );
  });
}
