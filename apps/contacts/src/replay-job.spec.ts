import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { replayCommand } from '@journey/ops';
import { READ_MODELS } from './read-models';

interface Job {
  kind: string;
  spec: {
    template: {
      spec: {
        restartPolicy: string;
        securityContext: { runAsNonRoot: boolean };
        containers: { command: string[]; args: string[]; env: { name: string }[] }[];
      };
    };
  };
}

describe('the Kubernetes replay Job', () => {
  const job = parse(
    readFileSync(join(__dirname, '..', '..', '..', 'k8s', 'jobs', 'replay-unified-view.yaml'), 'utf8'),
  ) as Job;
  const [container] = job.spec.template.spec.containers;

  it("runs the contacts service's replay entry point on a projection it owns, with options it accepts", () => {
    expect(job.kind).toBe('Job');
    expect(container?.command).toEqual(['node', 'apps/contacts/dist/replay.js']);
    const [projection] = container?.args ?? [];
    expect(READ_MODELS.map((m) => m.projection.name)).toContain(projection);
    const replay = replayCommand(READ_MODELS, 'contacts-replay');
    const known = new Set(replay.options.map((o) => o.long));
    for (const arg of (container?.args ?? []).filter((a) => a.startsWith('--'))) expect(known).toContain(arg);
  });

  it('gives the replay what it needs to open personal data, as a non-root pod that can be retried', () => {
    expect(container?.env.map((e) => e.name).sort()).toEqual(
      ['DATABASE_MIGRATIONS', 'EVENTSTORE_URL', 'MONGO_URL', 'NODE_ENV', 'PERSONAL_DATA_KEY'].sort(),
    );
    expect(job.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
  });
});
