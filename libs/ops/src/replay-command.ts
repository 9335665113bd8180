import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { formatPosition, parsePosition, START } from '@journey/eventstore';
import { journeyCatalogue } from '@journey/contracts';
import { EventPreparation, PostgresStreamParking } from '@journey/messaging';
import { abandonBuild, catchUpProjection, rebuildProjection } from '@journey/projections';
import type { ReadModel, RebuildProgress } from '@journey/projections';
import { positiveInteger } from './option-parsers';
import { openReadModels, openStore, storeOptions } from './connections';
import type { StoreOptions } from './connections';
import { print } from './output';

/** The read models a command works on, or how to find them when it runs. */
export type ReadModelSource = readonly ReadModel[] | (() => readonly ReadModel[]);

interface ReplayOptions extends StoreOptions {
  from?: string;
  batchSize: number;
  restart?: boolean;
  abort?: boolean;
}

/** A progress bar on a terminal; a line every few seconds where there is none (CI, a Job's log). */
function progressReporter(total: () => number) {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format: ' {bar} {percentage}% | {value}/{total} events | {speed} events/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
    });
    let started = false;
    return {
      update(p: RebuildProgress) {
        const all = p.read + (p.remaining ?? 0);
        if (!started) bar.start(Math.max(all, total()), 0, { speed: '0' });
        started = true;
        bar.setTotal(Math.max(all, 1));
        bar.update(p.read, { speed: Math.round(p.eventsPerSecond).toString() });
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = 0;
  return {
    update(p: RebuildProgress) {
      if (Date.now() - last < 2_000 && p.remaining !== 0) return;
      last = Date.now();
      const eta = p.etaSeconds === undefined ? '?' : `${Math.ceil(p.etaSeconds)} s`;
      process.stderr.write(
        `replay: ${p.read} events read, ${p.remaining ?? '?'} to go, ${Math.round(p.eventsPerSecond)} events/s, ETA ${eta}\n`,
      );
    },
    stop: () => undefined,
  };
}

const parkedNote = (parked: number, group?: string) =>
  parked === 0
    ? ''
    : `; ${parked} event(s) could not be applied and were parked with their streams${group ? ` under ${group}` : ''} (journey dlq list${group ? ` ${group}` : ''} shows why; journey dlq redrive after the fix)`;

/**
 * `replay <projection>` over the given read models: what a service's replay entry point runs (its own
 * projections, in its own image, as a Kubernetes Job) and what `journey replay` runs over every
 * service's list.
 */
export function replayCommand(source: ReadModelSource, commandName = 'replay'): Command {
  const readModels = typeof source === 'function' ? source : () => source;
  const names = () =>
    readModels()
      .map((m) => `${m.projection.name} (${m.service})`)
      .join(', ');
  return storeOptions(
    new Command(commandName)
      .description(
        'Rebuild a projection from the event store, blue/green: a new collection is built while the old one serves, then switched to in one step. Interrupted (Ctrl-C, a crash), it resumes where it stopped when run again.',
      )
      .argument('<projection>', 'the projection to rebuild (listed below)')
      .addHelpText('after', () => {
        try {
          return `\nProjections: ${names() || 'none'}`;
        } catch (err) {
          return `\nProjections: unknown (${err instanceof Error ? err.message : String(err)})`;
        }
      })
      .option(
        '--from <position>',
        'instead of a rebuild: apply the events after this log position (commit:prepare) to the collection that serves, in place — after restoring a backup taken at that position, or to fill a gap. Events already applied are skipped.',
      )
      .option('--batch-size <n>', 'events per read', positiveInteger('--batch-size'), 1_000)
      .option('--restart', 'throw away an interrupted rebuild and start from position 0 again')
      .option(
        '--abort',
        'drop an interrupted or failed rebuild (its collection, its record and the streams it parked); the serving collection is untouched',
      ),
  ).action(async (name: string, options: ReplayOptions) => {
    const model = readModels().find((m) => m.projection.name === name);
    if (!model)
      throw new Error(
        `unknown projection ${name} (one of: ${readModels()
          .map((m) => m.projection.name)
          .join(', ')})`,
      );
    if (options.abort && (options.from !== undefined || options.restart))
      throw new Error('--abort goes alone: it drops the rebuild under way and replays nothing');
    const from = options.from === undefined ? undefined : parsePosition(options.from);
    const store = await openStore(options);
    const models = await openReadModels(options, model.service);
    const parking = await PostgresStreamParking.connect({ connectionString: options.eventstoreUrl });
    if (options.abort) {
      try {
        const dropped = await abandonBuild(models.db, name, parking);
        print(
          dropped
            ? `${name}: rebuild into ${dropped} dropped; the serving collection is untouched`
            : `${name}: no rebuild under way`,
        );
      } finally {
        await Promise.allSettled([store.close(), models.close(), parking.close()]);
      }
      return;
    }
    const abort = new AbortController();
    const stop = () => {
      process.stderr.write('\nreplay: stopping after this batch…\n');
      abort.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const total = await store.stored.countAfter(from ?? START);
    const progress = progressReporter(() => total);
    const common = {
      // The replay reads the events as stored (sealed) and prepares them as the live path does: personal
      // data opened, data checked and upcast by the catalogue. A stream it cannot apply is parked.
      preparation: new EventPreparation({ catalogue: journeyCatalogue, personalData: store.protection }),
      parking,
      batchSize: options.batchSize,
      signal: abort.signal,
      onProgress: (p: RebuildProgress) => progress.update(p),
      countAfter: (p: Parameters<typeof store.stored.countAfter>[0]) => store.stored.countAfter(p),
    };
    try {
      if (from) {
        const result = await catchUpProjection(model.projection, store.stored, models.db, {
          ...common,
          from,
        });
        progress.stop();
        print(
          `${name}: ${result.status === 'caught-up' ? 'caught up' : 'interrupted'} in ${result.collection} at ${formatPosition(result.position)}: ${result.read} events read, ${result.applied} applied (the rest were already there)${parkedNote(result.parked)}`,
        );
        if (result.status === 'interrupted') process.exitCode = 130;
        return;
      }
      const result = await rebuildProjection(model.projection, store.stored, models.db, {
        ...common,
        resume: !options.restart,
      });
      progress.stop();
      if (result.status === 'interrupted') {
        print(
          `${name}: interrupted at ${formatPosition(result.position)} after ${result.read} events; the old collection still serves. Run the same command again to resume, or with --abort to drop it.`,
        );
        process.exitCode = 130;
        return;
      }
      print(
        // The peak resident memory, for sizing the replay Job's limit (a rebuild keeps each document's versions).
        `${name}: rebuilt v${model.projection.version} into ${result.collection} from ${result.read} events in ${result.seconds.toFixed(1)} s (${Math.round(result.read / Math.max(result.seconds, 0.001))} events/s); switched${result.previous ? `, ${result.previous} dropped` : ''}${parkedNote(result.parked, result.parkedUnder)}; peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
      );
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await Promise.allSettled([store.close(), models.close(), parking.close()]);
    }
  });
}
