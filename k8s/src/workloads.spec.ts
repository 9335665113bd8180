import { readFileSync } from 'node:fs';
import { CONSUMER_SESSION_TIMEOUT_MS } from '@journey/messaging';
import { SERVICE_NAMES } from '@journey/platform';
import type { Manifest } from './rendered-manifests';
import {
  kustomizeBuild,
  nameOf,
  ofKind,
  OVERLAYS,
  parseManifests,
  JOBS,
  selects,
} from './rendered-manifests';
import type { Container, DeploymentSpec, PodSpec, Workload } from './workloads';
import { containersOf, workloads } from './workloads';

const rendered = new Map(OVERLAYS.map((overlay) => [overlay, [] as Manifest[]]));
beforeAll(() => {
  for (const overlay of OVERLAYS) rendered.set(overlay, parseManifests(kustomizeBuild(overlay)));
}, 60_000);

const manifestsOf = (overlay: (typeof OVERLAYS)[number]): Manifest[] => rendered.get(overlay) ?? [];
const job = (name: keyof typeof JOBS): Manifest[] => parseManifests(readFileSync(JOBS[name], 'utf8'));
const where = (w: Workload, c?: Container) =>
  `${w.manifest.kind} ${nameOf(w.manifest)}${c ? ` (${c.name})` : ''}`;

/** The containers of every pod template, each with where it is. */
function containers(manifests: Manifest[]): { w: Workload; c: Container }[] {
  return workloads(manifests).flatMap((w) => containersOf(w.template.spec).map((c) => ({ w, c })));
}

function pinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = /:([\w][\w.-]{0,127})$/.exec(image.replace(/^[^/]*\//, ''))?.[1];
  return tag !== undefined && tag !== 'latest';
}

// Every workload of both overlays, and the Jobs beside them.
describe.each([...OVERLAYS, 'replay Job', 'migrate Job'] as const)('every container of %s', (source) => {
  const all = () =>
    containers(source === 'replay Job' || source === 'migrate Job' ? job(source) : manifestsOf(source));

  it('has CPU and memory requests and limits', () => {
    const missing = all().filter(({ c }) =>
      ['requests', 'limits'].some((k) => {
        const r = c.resources?.[k as 'requests' | 'limits'];
        return !r?.['cpu'] || !r['memory'];
      }),
    );
    expect(missing.map(({ w, c }) => where(w, c))).toEqual([]);
    expect(all().length).toBeGreaterThan(0);
  });

  it('runs as non-root, read-only, without privilege escalation or capabilities, under RuntimeDefault seccomp', () => {
    const unsafe = all().filter(({ w, c }) => {
      const pod: PodSpec = w.template.spec;
      const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      const seccomp = c.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
      return (
        nonRoot !== true ||
        c.securityContext?.readOnlyRootFilesystem !== true ||
        c.securityContext.allowPrivilegeEscalation !== false ||
        !c.securityContext.capabilities?.drop?.includes('ALL') ||
        (c.securityContext.capabilities.add ?? []).length > 0 ||
        seccomp !== 'RuntimeDefault'
      );
    });
    expect(unsafe.map(({ w, c }) => where(w, c))).toEqual([]);
  });

  it('runs a pinned image (a tag other than latest, or a digest)', () => {
    const floating = all().filter(({ c }) => !pinned(c.image));
    expect(floating.map(({ w, c }) => `${where(w, c)}: ${c.image}`)).toEqual([]);
  });

  it('that runs until stopped has startup, liveness and readiness probes', () => {
    const unprobed = all().filter(
      ({ w, c }) => w.longRunning && !(c.startupProbe && c.livenessProbe && c.readinessProbe),
    );
    expect(unprobed.map(({ w, c }) => where(w, c))).toEqual([]);
  });
});

describe.each(OVERLAYS)('in the %s overlay', (overlay) => {
  const deployments = () => ofKind<DeploymentSpec>(manifestsOf(overlay), 'Deployment');
  const policies = () =>
    ofKind<{
      podSelector: object;
      policyTypes: string[];
      ingress?: { ports?: { port: string | number }[] }[];
    }>(manifestsOf(overlay), 'NetworkPolicy');

  it('the namespace denies all traffic by default', () => {
    const denyAll = policies().filter(
      (p) =>
        Object.keys(p.spec.podSelector).length === 0 &&
        ['Ingress', 'Egress'].every((t) => p.spec.policyTypes.includes(t)) &&
        !('ingress' in p.spec) &&
        !('egress' in p.spec),
    );
    expect(denyAll).toHaveLength(1);
  });

  it('every Deployment has a NetworkPolicy of its own admitting traffic to its HTTP port only', () => {
    expect(deployments().map(nameOf).sort()).toEqual([...SERVICE_NAMES, 'console'].sort());
    for (const d of deployments()) {
      const labels = d.spec.template.metadata.labels;
      const own = policies().filter(
        (p) =>
          Object.keys(p.spec.podSelector).length > 0 &&
          selects(p.spec.podSelector, labels) &&
          p.spec.policyTypes.includes('Ingress'),
      );
      expect({ deployment: nameOf(d), policies: own.length }).toEqual({ deployment: nameOf(d), policies: 1 });
      const ingress = own[0]?.spec.ingress ?? [];
      expect(ingress.flatMap((rule) => (rule.ports ?? [{ port: 'any' }]).map((p) => p.port))).toEqual([
        'http',
      ]);
    }
  });

  it('no pod of a service gets a Kubernetes API token', () => {
    for (const d of deployments()) expect(d.spec.template.spec.automountServiceAccountToken).toBe(false);
    for (const sa of ofKind(manifestsOf(overlay), 'ServiceAccount'))
      expect({ sa: nameOf(sa), automount: sa.automountServiceAccountToken }).toEqual({
        sa: nameOf(sa),
        automount: false,
      });
  });

  it("the agent workspace's pods reach nothing, and only the ingress controller and Prometheus reach them", () => {
    const workspace = deployments().find((d) => nameOf(d) === 'console');
    const labels = workspace?.spec.template.metadata.labels;
    expect(labels?.['app.kubernetes.io/component']).toBe('web');
    const egress = policies().filter(
      (p) =>
        Object.keys(p.spec.podSelector).length > 0 &&
        selects(p.spec.podSelector, labels) &&
        p.spec.policyTypes.includes('Egress'),
    );
    expect(egress.map(nameOf)).toEqual([]);
    // The services still reach Kafka and their stores through the shared policies.
    const tickets = deployments().find((d) => nameOf(d) === 'tickets')?.spec.template.metadata.labels;
    expect(
      policies()
        .filter((p) => selects(p.spec.podSelector, tickets) && p.spec.policyTypes.includes('Egress'))
        .map(nameOf),
    ).toEqual(
      expect.arrayContaining(['journey-egress-kafka', 'journey-egress-postgresql', 'journey-egress-mongodb']),
    );
  });

  it('shutdown waits for the load balancers, then leaves the consumers time to drain', () => {
    for (const d of deployments().filter((d) => nameOf(d) !== 'console')) {
      const pod = d.spec.template.spec;
      const preStop = pod.containers[0]?.lifecycle?.preStop?.sleep?.seconds ?? 0;
      expect(preStop).toBeGreaterThanOrEqual(5);
      // A replica killed mid-drain leaves its partitions idle for a whole session timeout: the drain gets
      // at least that long after the preStop pause.
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
        preStop + CONSUMER_SESSION_TIMEOUT_MS / 1000,
      );
    }
  });

  it("the workspace's server gets its 10 s drain (apps/console/server/main.ts) after the load balancers", () => {
    const pod = deployments().find((d) => nameOf(d) === 'console')?.spec.template.spec;
    const preStop = pod?.containers[0]?.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(preStop).toBeGreaterThanOrEqual(5);
    expect(pod?.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + 10);
  });
});

describe('the dev overlay', () => {
  it('runs one replica of each service, with Kafka, PostgreSQL and MongoDB beside them', () => {
    const m = manifestsOf('dev');
    expect(ofKind<DeploymentSpec>(m, 'Deployment').map((d) => d.spec.replicas)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(ofKind(m, 'Kafka').map(nameOf)).toEqual(['journey']);
    expect(ofKind<{ roles: string[] }>(m, 'KafkaNodePool').map((p) => p.spec.roles.sort())).toEqual([
      ['broker', 'controller'],
    ]);
    expect(ofKind(m, 'StatefulSet').map(nameOf).sort()).toEqual(['mongodb', 'postgresql']);
    expect(ofKind(m, 'Service').map(nameOf)).toEqual(expect.arrayContaining(['mongodb', 'postgresql']));
  });
});

describe('the prod overlay', () => {
  const m = () => manifestsOf('prod');
  const deployments = () => ofKind<DeploymentSpec>(m(), 'Deployment');

  it('runs at least two replicas of each service, spread over zones and nodes', () => {
    for (const d of deployments()) {
      expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
      const spread = d.spec.template.spec.topologySpreadConstraints ?? [];
      expect(spread.map((s) => s.topologyKey).sort()).toEqual([
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ]);
      for (const s of spread) expect(s.matchLabelKeys).toContain('app.kubernetes.io/name');
    }
  });

  it('gives every Deployment a PodDisruptionBudget', () => {
    const budgets = ofKind<{ selector: object }>(m(), 'PodDisruptionBudget');
    for (const d of deployments())
      expect({
        d: nameOf(d),
        budgets: budgets.filter((b) => selects(b.spec.selector, d.spec.template.metadata.labels)).length,
      }).toEqual({ d: nameOf(d), budgets: 1 });
  });

  it('scales every Deployment with a KEDA ScaledObject, from two replicas up', () => {
    const scaled = ofKind<{ scaleTargetRef: { name: string; kind?: string }; minReplicaCount: number }>(
      m(),
      'ScaledObject',
    );
    for (const d of deployments()) {
      const own = scaled.filter(
        (s) =>
          s.spec.scaleTargetRef.name === nameOf(d) &&
          (s.spec.scaleTargetRef.kind ?? 'Deployment') === 'Deployment',
      );
      expect(own).toHaveLength(1);
      expect(own[0]?.spec.minReplicaCount).toBeGreaterThanOrEqual(2);
    }
  });
});
