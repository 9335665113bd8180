import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_HTTP_PORTS, SECRET_VARIABLES, SERVICE_NAMES } from '@journey/platform';
import { sourceText } from './consumer-groups';
import type { Manifest } from './rendered-manifests';
import {
  configMap,
  kustomizeBuild,
  nameOf,
  ofKind,
  OVERLAYS,
  parseManifests,
  MIGRATE_JOB,
  REPLAY_JOB,
  ROOT,
} from './rendered-manifests';
import type { DeploymentSpec, PodTemplate } from './workloads';

// The Deployments against the services' code: ports, probe paths, settings and where secrets come from.
describe.each(OVERLAYS)('the %s overlay', (overlay) => {
  let manifests: Manifest[] = [];
  beforeAll(() => {
    manifests = parseManifests(kustomizeBuild(overlay));
  }, 60_000);
  const deployment = (service: string) => {
    const found = ofKind<DeploymentSpec>(manifests, 'Deployment').find((d) => nameOf(d) === service);
    if (!found) throw new Error(`no Deployment ${service}`);
    return found;
  };

  it('runs each service from its own image', () => {
    for (const service of SERVICE_NAMES)
      expect(deployment(service).spec.template.spec.containers[0]?.image).toMatch(
        new RegExp(`^ghcr\\.io/example/journey-${service}:`),
      );
  });

  it.each(SERVICE_NAMES)('serves %s on its port, probed at /health/live and /health/ready', (service) => {
    const [container] = deployment(service).spec.template.spec.containers;
    expect(container?.ports).toEqual([{ name: 'http', containerPort: DEFAULT_HTTP_PORTS[service] }]);
    expect(configMap(manifests, service)['HTTP_PORT']).toBe(String(DEFAULT_HTTP_PORTS[service]));
    expect(container?.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container?.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container?.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container?.envFrom?.map((e) => e.configMapRef?.name.replace(/-[a-z0-9]{10}$/, ''))).toEqual([
      'journey-common',
      service,
    ]);
  });

  it.each(SERVICE_NAMES)('gives %s its secrets from Secrets, never from a ConfigMap', (service) => {
    const env = deployment(service).spec.template.spec.containers[0]?.env ?? [];
    const fromSecrets = env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name);
    expect(fromSecrets.sort()).toEqual([...SECRET_VARIABLES].sort());
    expect(env.filter((e) => e.value !== undefined)).toEqual([]);
    const required = env.filter((e) => e.valueFrom?.secretKeyRef?.optional !== true).map((e) => e.name);
    expect(required.sort()).toEqual([
      'EVENTSTORE_URL',
      'ID_KEY',
      'KAFKA_SASL_PASSWORD',
      'MONGO_URL',
      'PERSONAL_DATA_KEY',
    ]);
    expect(env.find((e) => e.name === 'MONGO_URL')?.valueFrom?.secretKeyRef?.name).toBe(
      `journey-${service}-mongo`,
    );
    for (const cm of ofKind(manifests, 'ConfigMap'))
      expect(Object.keys(cm.data ?? {}).filter((k) => SECRET_VARIABLES.has(k))).toEqual([]);
  });

  // A misspelt or retired setting would be ignored without a word: each one must be read by the service's code
  // (its own sources or the shared libraries'), or be one the OpenTelemetry SDK or Node reads itself.
  it.each(SERVICE_NAMES)('sets only variables %s reads', (service) => {
    const sdkReads = /^(NODE_ENV|OTEL_[A-Z_]+)$/;
    const code = sourceText([service]);
    const container = deployment(service).spec.template.spec.containers[0];
    const names = [
      ...Object.keys(configMap(manifests, 'journey-common')),
      ...Object.keys(configMap(manifests, service)),
      ...(container?.env ?? []).map((e) => e.name),
    ];
    expect(names.length).toBeGreaterThan(10);
    const unread = names.filter((name) => !sdkReads.test(name) && !new RegExp(`\\b${name}\\b`).test(code));
    expect(unread).toEqual([]);
  });

  it('reads the channels configuration from a Secret mounted where CHANNELS_CONFIG_FILE points', () => {
    const pod = deployment('channels').spec.template.spec;
    const file = configMap(manifests, 'channels')['CHANNELS_CONFIG_FILE'] ?? '';
    const mount = pod.containers[0]?.volumeMounts?.find((v) => v.mountPath === dirname(file));
    expect(mount?.readOnly).toBe(true);
    expect(pod.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName).toBe(
      'journey-channels-config',
    );
  });

  it('configures the services for production behind the ingress', () => {
    const common = configMap(manifests, 'journey-common');
    expect(common).toMatchObject({ NODE_ENV: 'production', HTTP_HOST: '0.0.0.0', AUTH_MODE: 'oidc' });
    expect(common['AUTH_JWKS_URL']).toMatch(/^https:\/\//);
    // The ingress refuses what the services would refuse: the same body limit.
    const limit = /^(\d+)mb$/.exec(common['HTTP_BODY_LIMIT'] ?? '')?.[1];
    const ingress = ofKind(manifests, 'Ingress').find((i) => nameOf(i) === 'journey');
    expect(ingress?.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size']).toBe(`${limit}m`);
    expect((ingress?.spec as { tls: unknown[] }).tls.length).toBeGreaterThan(0);
  });
});

// The agent workspace: its own server and image, pointed at the services' public hosts, each of which lets it call.
describe.each(OVERLAYS)('the agent workspace in the %s overlay', (overlay) => {
  let manifests: Manifest[] = [];
  beforeAll(() => {
    manifests = parseManifests(kustomizeBuild(overlay));
  }, 60_000);
  const workspace = () => {
    const found = ofKind<DeploymentSpec>(manifests, 'Deployment').find((d) => nameOf(d) === 'console');
    if (!found) throw new Error('no Deployment console');
    return found.spec.template.spec;
  };
  interface IngressSpec {
    tls: { hosts: string[] }[];
    rules: {
      host: string;
      http: { paths: { path: string; pathType: string; backend: { service: { name: string } } }[] };
    }[];
  }
  const ingress = () => {
    const found = ofKind<IngressSpec>(manifests, 'Ingress').find((i) => nameOf(i) === 'journey');
    if (!found) throw new Error('no Ingress journey');
    return found.spec;
  };
  /** The Service the Ingress sends a request for this URL to (longest matching path, as ingress-nginx does). */
  const routedTo = (url: string): string | undefined => {
    const { host, pathname } = new URL(url);
    const paths = ingress()
      .rules.filter((r) => r.host === host)
      .flatMap((r) => r.http.paths)
      .filter((p) =>
        p.pathType === 'Exact'
          ? pathname === p.path
          : pathname === p.path || pathname.startsWith(p.path.endsWith('/') ? p.path : `${p.path}/`),
      )
      .sort((a, b) => b.path.length - a.path.length);
    return paths[0]?.backend.service.name;
  };

  it('runs its own image on port 3100, probed, with its settings from the ConfigMap console', () => {
    const [container] = workspace().containers;
    expect(container?.image).toMatch(/^ghcr\.io\/example\/journey-console:/);
    expect(container?.ports).toEqual([{ name: 'http', containerPort: 3100 }]);
    expect(configMap(manifests, 'console')).toMatchObject({ HTTP_PORT: '3100', HTTP_HOST: '0.0.0.0' });
    expect(container?.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container?.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container?.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container?.envFrom?.map((e) => e.configMapRef?.name.replace(/-[a-z0-9]{10}$/, ''))).toEqual([
      'console',
    ]);
    // Its one secret, optional: the metrics token. No database, Kafka or key reaches it.
    expect(container?.env).toEqual([
      {
        name: 'METRICS_TOKEN',
        valueFrom: { secretKeyRef: { name: 'journey-metrics', key: 'token', optional: true } },
      },
    ]);
  });

  it('sets only variables its server reads', () => {
    const dir = join(ROOT, 'apps', 'console', 'server');
    const code = [
      ...readdirSync(dir)
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
        .map((f) => readFileSync(join(dir, f), 'utf8')),
      readFileSync(join(ROOT, 'libs', 'platform', 'src', 'telemetry', 'telemetry.ts'), 'utf8'),
    ].join('\n');
    const names = Object.keys(configMap(manifests, 'console'));
    expect(names.length).toBeGreaterThan(5);
    expect(
      names.filter(
        (name) => !/^(NODE_ENV|OTEL_[A-Z_]+)$/.test(name) && !new RegExp(`\\b${name}\\b`).test(code),
      ),
    ).toEqual([]);
  });

  it("sends agents' browsers to the services' public hosts, each of which admits the workspace's origin", () => {
    const settings = configMap(manifests, 'console');
    const origin = `https://${ingress().rules.find((r) => r.http.paths.some((p) => p.backend.service.name === 'console'))?.host}`;
    expect(routedTo(`${origin}/`)).toBe('console');
    expect(routedTo(`${origin}/app/main.js`)).toBe('console');
    expect(routedTo(`${origin}/config.json`)).toBe('console');
    expect(routedTo(`${origin}/metrics`)).toBeUndefined();
    expect(routedTo(`${origin}/health/ready`)).toBeUndefined();
    for (const service of SERVICE_NAMES) {
      const url = settings[`${service.toUpperCase()}_URL`] ?? '';
      expect({ service, routed: routedTo(`${url}/v1/me`) }).toEqual({ service, routed: service });
      const cors = (configMap(manifests, service)['HTTP_CORS_ORIGINS'] ?? '').split(',');
      expect({ service, admits: cors.includes(origin) }).toEqual({ service, admits: true });
    }
    expect(ingress().tls.flatMap((t) => t.hosts)).toContain(new URL(origin).host);
    // The chat widget's script is published too, beside the channels API.
    expect(routedTo(`${settings['CHANNELS_URL']}/widget.js`)).toBe('channels');
  });

  it('signs agents in with the issuer whose tokens the services accept, reading their roles where the services do', () => {
    const common = configMap(manifests, 'journey-common');
    const settings = configMap(manifests, 'console');
    expect(settings['OIDC_ISSUER']).toBe(common['AUTH_ISSUER']);
    expect(settings['AUTH_ROLES_CLAIM']).toBe(common['AUTH_ROLES_CLAIM']);
  });

  it("links the articles an agent inserts where knowledge's help centre serves them", () => {
    expect(configMap(manifests, 'console')['ARTICLE_LINK_BASE']).toBe(
      configMap(manifests, 'knowledge')['KNOWLEDGE_PORTAL_URL'],
    );
  });
});

describe('the replay Job', () => {
  it('runs the contacts image the overlays deploy, with the Secrets the contacts service uses', () => {
    const [job] = parseManifests(readFileSync(REPLAY_JOB, 'utf8'));
    const [replay] = (job?.spec as { template: PodTemplate }).template.spec.containers;
    for (const overlay of OVERLAYS) {
      const contacts = ofKind<DeploymentSpec>(parseManifests(kustomizeBuild(overlay)), 'Deployment').find(
        (d) => nameOf(d) === 'contacts',
      );
      const [service] = contacts?.spec.template.spec.containers ?? [];
      expect({ overlay, image: replay?.image }).toEqual({ overlay, image: service?.image });
      const secret = (env: typeof service) =>
        Object.fromEntries((env?.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef?.name]));
      for (const variable of ['EVENTSTORE_URL', 'MONGO_URL', 'PERSONAL_DATA_KEY'])
        expect([variable, secret(replay)[variable]]).toEqual([variable, secret(service)[variable]]);
    }
    // It changes no schema (in prod the services' role may not).
    expect(replay?.env?.find((e) => e.name === 'DATABASE_MIGRATIONS')?.value).toBe('verify');
  });
});

describe('the migrate Job', () => {
  it("runs `journey migrate` in each service's image the overlays deploy, one after the other, with the services' database Secrets", () => {
    const [job] = parseManifests(readFileSync(MIGRATE_JOB, 'utf8'));
    const pod = (job?.spec as { template: PodTemplate }).template.spec;
    const steps = [...(pod.initContainers ?? []), ...pod.containers];
    expect(steps.map((c) => c.name)).toEqual(['channels', 'contacts', 'tickets', 'knowledge', 'analytics']);
    for (const step of steps) expect(step.command).toEqual(['node', 'tools/cli/bin/journey.cjs', 'migrate']);
    for (const overlay of OVERLAYS) {
      const deployments = ofKind<DeploymentSpec>(parseManifests(kustomizeBuild(overlay)), 'Deployment');
      for (const step of steps) {
        const [service] =
          deployments.find((d) => nameOf(d) === step.name)?.spec.template.spec.containers ?? [];
        expect({ overlay, step: step.name, image: step.image }).toEqual({
          overlay,
          step: step.name,
          image: service?.image,
        });
        const secret = (c: typeof service) =>
          Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
        for (const variable of ['EVENTSTORE_URL', 'STATE_DATABASE_URL'])
          expect([variable, secret(step)[variable]]).toEqual([variable, secret(service)[variable]]);
      }
    }
  });

  it('is what the prod overlay expects before a rollout: its services only verify the schema', () => {
    expect(configMap(parseManifests(kustomizeBuild('prod')), 'journey-common')['DATABASE_MIGRATIONS']).toBe(
      'verify',
    );
    expect(configMap(parseManifests(kustomizeBuild('dev')), 'journey-common')['DATABASE_MIGRATIONS']).toBe(
      'apply',
    );
  });
});
