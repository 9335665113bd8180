import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  kustomizeBuild,
  nameOf,
  ofKind,
  OVERLAYS,
  parseManifests,
  ROOT,
  validators,
} from './rendered-manifests';
import type { DeploymentSpec } from './workloads';

const DOCKERFILE = join(ROOT, 'Dockerfile');

interface Finding {
  code: string;
  level: string;
  line: number;
  message: string;
}

/** hadolint's findings, every level down to style, as JSON. */
function hadolint(dockerfile: string): Finding[] {
  const { hadolint: binary } = validators();
  const run = spawnSync(binary, ['--format', 'json', '--no-fail', '--failure-threshold', 'style', '-'], {
    input: dockerfile,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`hadolint: ${run.stderr || String(run.error)}`);
  return JSON.parse(run.stdout) as Finding[];
}

/** The instructions of the Dockerfile's last stage (the image), continuation lines joined. */
function finalStage(dockerfile: string): string[] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const from = lines.map((l, i) => (/^FROM /i.test(l) ? i : -1)).filter((i) => i >= 0);
  return lines.slice(from.at(-1));
}

describe('the Dockerfile', () => {
  const text = readFileSync(DOCKERFILE, 'utf8');
  const image = finalStage(text);

  it('passes hadolint with no finding at any level', () => {
    expect(hadolint(text)).toEqual([]);
  });

  it('is checked by a linter that does find faults', () => {
    const codes = hadolint('FROM node:latest\nRUN cd /app && npm install\nUSER root\n').map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['DL3007', 'DL3002', 'DL3003']));
  });

  it('builds on the Node version the project pins (.nvmrc), never an unpinned tag', () => {
    const pinned = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
    expect(text).toContain(`ARG NODE_VERSION=${pinned}\n`);
    for (const from of text.match(/^FROM .*$/gm) ?? [])
      expect(from).toMatch(/^FROM (node:\$\{NODE_VERSION\}-[a-z]+-slim|build)( AS [a-z]+)?$/);
  });

  it('runs the bundle as the non-root user the Deployments run as, in production mode', () => {
    expect(image).toContain('ENV NODE_ENV=production');
    expect(image).toContain('COPY --from=bundle /bundle ./');
    expect(image.at(-1)).toBe('CMD ["node", "main.js"]');
    const user = image.filter((l) => l.startsWith('USER ')).at(-1);
    for (const overlay of OVERLAYS)
      for (const deployment of ofKind<DeploymentSpec>(
        parseManifests(kustomizeBuild(overlay)),
        'Deployment',
      )) {
        const { runAsUser, runAsGroup } = deployment.spec.template.spec.securityContext ?? {};
        expect({ deployment: nameOf(deployment), user }).toEqual({
          deployment: nameOf(deployment),
          user: `USER ${runAsUser}:${runAsGroup}`,
        });
      }
  });

  it('leaves npm out of the image (the service runs with node alone)', () => {
    expect(image.find((l) => l.startsWith('RUN rm -rf /usr/local/lib/node_modules/npm'))).toBeDefined();
    expect(image.filter((l) => /\bnpm\b/.test(l) && !l.startsWith('RUN rm -rf'))).toEqual([]);
  });
});

// The image's build runs `npm ci`, which refuses a lock file that does not list every workspace (a new app's
// package.json without `npm install` after it): checked here, since the local setup falls back to npm install.
describe('package-lock.json', () => {
  it('lists every workspace of package.json under its name and version', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { name?: string; version?: string; resolved?: string; link?: boolean }>;
    };
    const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const folders = workspaces.flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(join(ROOT, pattern.slice(0, -2)))
            .map((name) => `${pattern.slice(0, -2)}/${name}`)
            .filter((dir) => existsSync(join(ROOT, dir, 'package.json')))
        : [pattern],
    );
    expect(folders).toContain('apps/console');
    for (const folder of folders) {
      const own = JSON.parse(readFileSync(join(ROOT, folder, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
      };
      expect({
        folder,
        entry: lock.packages[folder],
        link: lock.packages[`node_modules/${own.name}`],
      }).toEqual({
        folder,
        entry: expect.objectContaining({ name: own.name, version: own.version }),
        link: { resolved: folder, link: true },
      });
    }
  });
});
