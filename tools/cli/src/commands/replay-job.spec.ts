import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { READ_MODELS } from '@journey/read-models';
import { buildProgram } from '../program';

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
    readFileSync(join(__dirname, '..', '..', '..', '..', 'k8s', 'jobs', 'replay-unified-view.yaml'), 'utf8'),
  ) as Job;
  const [container] = job.spec.template.spec.containers;

  it('runs a replay of a projection that exists, with options the CLI accepts', () => {
    expect(job.kind).toBe('Job');
    expect(container?.command).toEqual(['node', 'tools/cli/bin/journey.cjs']);
    const [command, projection] = container?.args ?? [];
    expect(command).toBe('replay');
    expect(READ_MODELS.map((m) => m.projection.name)).toContain(projection);
    const replay = buildProgram().commands.find((c) => c.name() === 'replay');
    const known = new Set(replay?.options.map((o) => o.long));
    for (const arg of (container?.args ?? []).filter((a) => a.startsWith('--'))) expect(known).toContain(arg);
  });

  it('gives the replay what it needs to open personal data, as a non-root pod that can be retried', () => {
    expect(container?.env.map((e) => e.name).sort()).toEqual(
      ['EVENTSTORE_URL', 'MONGO_URL', 'NODE_ENV', 'PERSONAL_DATA_KEY'].sort(),
    );
    expect(job.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
  });
});
