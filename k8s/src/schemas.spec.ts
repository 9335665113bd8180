import { readFileSync } from 'node:fs';
import {
  kubeconform,
  kustomizeBuild,
  OVERLAYS,
  parseManifests,
  JOBS,
  validators,
} from './rendered-manifests';

// What `kubectl apply -k k8s/overlays/<overlay>` would send, validated offline: kustomize must build it, and
// every resource must match its schema (the Kubernetes API's, or the Strimzi and KEDA CRDs'), strictly.
describe.each(OVERLAYS)('the %s overlay', (overlay) => {
  let rendered = '';
  beforeAll(() => {
    rendered = kustomizeBuild(overlay);
  }, 60_000);

  it('builds with kustomize', () => {
    expect(parseManifests(rendered).length).toBeGreaterThan(50);
  });

  it.each(validators().kubernetesVersions)(
    'validates against the schemas of Kubernetes %s and of the CRDs it uses',
    (version) => {
      const result = kubeconform(rendered, version);
      if (!result.ok) throw new Error(`kubeconform (Kubernetes ${version}):\n${result.output}`);
      expect(result.output).toContain(`Valid: ${parseManifests(rendered).length},`);
    },
    60_000,
  );
});

describe.each(Object.keys(JOBS) as (keyof typeof JOBS)[])(
  'the %s (kubectl create, outside the overlays)',
  (job) => {
    it.each(validators().kubernetesVersions)('validates against the schemas of Kubernetes %s', (version) => {
      const result = kubeconform(readFileSync(JOBS[job], 'utf8'), version);
      if (!result.ok) throw new Error(`kubeconform (Kubernetes ${version}):\n${result.output}`);
    });
  },
);

describe('the schema validation', () => {
  // A validation that passes everything would let every manifest through: it must catch a misspelt field.
  it('fails on a field the schema does not know, naming it', () => {
    const [version] = validators().kubernetesVersions;
    const topic = [
      'apiVersion: kafka.strimzi.io/v1',
      'kind: KafkaTopic',
      'metadata: { name: t }',
      'spec: { partitions: 1, replica: 1 }',
    ].join('\n');
    const result = kubeconform(topic, version ?? '');
    expect(result.ok).toBe(false);
    expect(result.output).toContain("'replica' not allowed");
  });

  it('fails on a kind it has no schema for', () => {
    const [version] = validators().kubernetesVersions;
    const result = kubeconform(
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n',
      version ?? '',
    );
    expect(result.ok).toBe(false);
    expect(result.output).toContain('could not find schema for Widget');
  });
});
