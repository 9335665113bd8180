import type { ReadModel } from '@journey/projections';
import { replayCommand } from './replay-command';

const model = (name: string, service: string): ReadModel => ({
  projection: { name, version: 1, eventTypes: [], project: () => [] },
  service,
  topics: [`journey.${service}.v1`],
});

async function run(source: Parameters<typeof replayCommand>[0], ...args: string[]) {
  let help = '';
  const command = replayCommand(source)
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (help += s), writeErr: (s) => void (help += s) });
  try {
    await command.parseAsync(['node', 'replay', ...args]);
    return { help };
  } catch (err) {
    return { help, error: (err as Error).message };
  }
}

describe('the replay command', () => {
  it('names the projections it can rebuild and their services in its help, found when it runs', async () => {
    let looked = 0;
    const source = () => (looked++, [model('unified-view', 'contacts'), model('queues', 'tickets')]);
    const command = replayCommand(source);
    expect(looked).toBe(0); // building the program (for `journey token`, say) loads no service
    let help = '';
    command.configureOutput({ writeOut: (s) => void (help += s) });
    command.outputHelp();
    expect(help).toContain('Projections: unified-view (contacts), queues (tickets)');
  });

  it('says why it knows no projection when the services cannot be found', async () => {
    const { help } = await run(() => {
      throw new Error('no service build found under apps; run `npm run build`');
    }, '--help');
    expect(help).toContain('Projections: unknown (no service build found under apps; run `npm run build`)');
  });

  it('refuses an unknown projection, naming the ones there are, before it opens anything', async () => {
    const { error } = await run(
      [model('unified-view', 'contacts')],
      'nope',
      '--eventstore-url',
      'postgres://x',
    );
    expect(error).toBe('unknown projection nope (one of: unified-view)');
  });

  it('refuses --abort with --from or --restart', async () => {
    const { error } = await run([model('unified-view', 'contacts')], 'unified-view', '--abort', '--restart');
    expect(error).toMatch(/--abort goes alone/);
  });
});
