import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository's root. */
export const ROOT = join(__dirname, '..', '..');

export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** The kubectl-create-only Jobs, outside the kustomizations (generateName). */
export const REPLAY_JOB = join(ROOT, 'k8s', 'jobs', 'replay-unified-view.yaml');
export const MIGRATE_JOB = join(ROOT, 'k8s', 'jobs', 'migrate.yaml');
export const JOBS = { 'replay Job': REPLAY_JOB, 'migrate Job': MIGRATE_JOB } as const;

/** What tools/k8s/ensure-validators.sh installed, as it describes it in .local/k8s/validators.json. */
interface Validators {
  kustomize: string;
  kubeconform: string;
  hadolint: string;
  kubernetesVersions: string[];
  schemaLocations: string[];
}

let installed: Validators | undefined;

/** The installed kustomize, kubeconform and schemas; fails saying how to install them. */
export function validators(): Validators {
  if (installed) return installed;
  const file = join(ROOT, '.local', 'k8s', 'validators.json');
  if (!existsSync(file))
    throw new Error(
      'kustomize, kubeconform and the schemas are not installed: run `bash tools/k8s/ensure-validators.sh` ' +
        '(`npx nx test k8s` and `npm test` run it first)',
    );
  installed = JSON.parse(readFileSync(file, 'utf8')) as Validators;
  return installed;
}

/** `kustomize build` of an overlay: the YAML `kubectl apply -k` would send. */
export function kustomizeBuild(overlay: Overlay): string {
  return execFileSync(validators().kustomize, ['build', join(ROOT, 'k8s', 'overlays', overlay)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

export interface SchemaValidation {
  ok: boolean;
  /** kubeconform's own report: one line per resource that is not valid, then its summary. */
  output: string;
}

/**
 * kubeconform over a stream of manifests, strict (an unknown field fails), against the Kubernetes
 * version's schemas and the CRDs' (Strimzi, KEDA); a resource without a schema is an error, not a skip.
 */
export function kubeconform(manifests: string, kubernetesVersion: string): SchemaValidation {
  const { kubeconform: binary, schemaLocations } = validators();
  const run = spawnSync(
    binary,
    [
      '-strict',
      '-summary',
      '-kubernetes-version',
      kubernetesVersion,
      ...schemaLocations.flatMap((location) => ['-schema-location', location]),
      '-',
    ],
    { input: manifests, encoding: 'utf8' },
  );
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}`.trim();
  const clean = /Invalid: 0, Errors: 0, Skipped: 0/.test(output);
  return { ok: run.status === 0 && clean, output };
}

/** The parts of a Kubernetes object the checks read. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // Each kind has its own shape; the checks read it through the narrower types below.
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  automountServiceAccountToken?: boolean;
}

/** Every document of a YAML stream, parsed. */
export function parseManifests(yaml: string): Manifest[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

export const nameOf = (m: Manifest): string => m.metadata.name ?? m.metadata.generateName ?? '(unnamed)';

export function ofKind<T = Record<string, unknown>>(
  manifests: Manifest[],
  kind: string,
): (Manifest & { spec: T })[] {
  return manifests.filter((m) => m.kind === kind) as (Manifest & { spec: T })[];
}

/** A ConfigMap by the name it was generated under (kustomize appends a content hash). */
export function configMap(manifests: Manifest[], name: string): Record<string, string> {
  const found = manifests.find(
    (m) => m.kind === 'ConfigMap' && new RegExp(`^${name}(-[a-z0-9]{10})?$`).test(nameOf(m)),
  );
  if (!found) throw new Error(`no ConfigMap ${name}`);
  return found.data ?? {};
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether a label selector selects an object with these labels. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return values.includes(labels[key] ?? '\u0000');
    if (operator === 'NotIn') return !values.includes(labels[key] ?? '\u0000');
    if (operator === 'Exists') return key in labels;
    return !(key in labels); // DoesNotExist
  });
  return byLabel && byExpression;
}
