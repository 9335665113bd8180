import { SERVICE_NAMES } from '@journey/platform';
import { sourceText } from './consumer-groups';
import type { LabelSelector, Manifest } from './rendered-manifests';
import { kustomizeBuild, nameOf, ofKind, parseManifests, selects } from './rendered-manifests';

// The monitoring component (ServiceMonitor, PrometheusRule, Grafana dashboard) in the prod overlay, held to the
// metrics the services' code defines: an alert on a name nothing exports would never fire.
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

/** The Prometheus names the services export: OpenTelemetry names with dots as underscores, plus suffixes. */
function exportedMetricNames(): Set<string> {
  const code = sourceText(SERVICE_NAMES);
  const names = new Set<string>();
  const add = (name: string, suffixes: string[]) => {
    for (const suffix of suffixes) names.add(`${name.replace(/\./g, '_')}${suffix}`);
  };
  for (const m of code.matchAll(/create(ObservableGauge|Counter|Histogram|UpDownCounter)\(\s*'([a-z_.]+)'/g))
    add(
      m[2] as string,
      m[1] === 'Counter' ? ['_total'] : m[1] === 'Histogram' ? ['_bucket', '_count', '_sum'] : [''],
    );
  // The analytics monitor's gauges, made through its own gauge('name', …) helper.
  for (const m of code.matchAll(/\bgauge\(\s*'(journey\.[a-z_.]+)'/g)) add(m[1] as string, ['']);
  // The HTTP instrumentation's histogram (OpenTelemetry's semantic conventions), enabled in telemetry.ts.
  expect(code).toContain('HttpInstrumentation');
  add('http.server.request.duration', ['_bucket', '_count', '_sum']);
  return names;
}

const usedNames = (expr: string): string[] =>
  [...expr.matchAll(/\b((?:journey|http_server)_[a-z_]+)\b/g)].map((m) => m[1] as string);

describe('the monitoring component, in the prod overlay', () => {
  let manifests: Manifest[] = [];
  beforeAll(() => {
    manifests = parseManifests(kustomizeBuild('prod'));
  }, 60_000);
  const rules = () =>
    ofKind<{ groups: { name: string; rules: Rule[] }[] }>(manifests, 'PrometheusRule').flatMap((r) =>
      r.spec.groups.flatMap((g) => g.rules),
    );
  const dashboard = (): { uid: string; panels: Panel[]; templating: { list: { name: string }[] } } => {
    const cm = manifests.find((m) => m.kind === 'ConfigMap' && nameOf(m) === 'journey-grafana-dashboard');
    if (!cm) throw new Error('no ConfigMap journey-grafana-dashboard');
    expect(cm.metadata.labels?.['grafana_dashboard']).toBe('1');
    return JSON.parse(cm.data?.['journey-platform.json'] ?? '{}') as ReturnType<typeof dashboard>;
  };

  it('scrapes /metrics on the HTTP port of every service and of the workspace, and nothing else', () => {
    const [monitor, ...others] = ofKind<{
      selector: LabelSelector;
      endpoints: { port: string; path: string }[];
    }>(manifests, 'ServiceMonitor');
    expect(others).toEqual([]);
    const scraped = ofKind<{ ports: { name: string }[] }>(manifests, 'Service').filter((s) =>
      selects(monitor?.spec.selector, s.metadata.labels),
    );
    // The five services and the agent workspace's server (its HTTP metrics).
    expect(scraped.map(nameOf).sort()).toEqual([...SERVICE_NAMES, 'console'].sort());
    for (const service of scraped) expect(service.spec.ports.map((p) => p.name)).toContain('http');
    expect(monitor?.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
  });

  it('alerts and charts only on metrics the services export', () => {
    const exported = exportedMetricNames();
    const used = [
      ...rules().flatMap((r) => usedNames(r.expr).map((name) => ({ where: r.alert ?? r.record, name }))),
      ...dashboard().panels.flatMap((p) =>
        (p.targets ?? []).flatMap((t) => usedNames(t.expr).map((name) => ({ where: p.title, name }))),
      ),
    ];
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter(({ name }) => !exported.has(name))).toEqual([]);
  });

  it('covers what operators watch: HTTP errors and latency, appends, the relay, consumers, DLQs, SLAs', () => {
    const exprs = rules()
      .map((r) => r.expr)
      .join('\n');
    for (const name of [
      'http_server_request_duration_count',
      'http_server_request_duration_bucket',
      'journey_eventstore_append_duration_bucket',
      'journey_relay_lag_seconds',
      'journey_relay_leading',
      'journey_kafka_consumer_group_lag',
      'journey_consumer_stalled',
      'journey_kafka_dead_letters',
      'journey_analytics_projection_lag',
      'journey_tickets_sla_breaches_open',
    ])
      expect({ name, alerted: exprs.includes(name) }).toEqual({ name, alerted: true });
  });

  it('gives every alert a wait, a severity, a summary and a description', () => {
    for (const rule of rules())
      expect({
        alert: rule.alert,
        for: /^\d+[smh]$/.test(rule.for ?? ''),
        severity: ['critical', 'warning'].includes(rule.labels?.['severity'] ?? ''),
        summary: Boolean(rule.annotations?.['summary']),
        description: Boolean(rule.annotations?.['description']),
      }).toEqual({ alert: expect.any(String), for: true, severity: true, summary: true, description: true });
  });

  it('ships the Grafana dashboard, every panel querying the chosen Prometheus', () => {
    const { uid, panels, templating } = dashboard();
    expect(uid).toBe('journey-platform');
    expect(templating.list.map((v) => v.name)).toContain('datasource');
    expect(panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of panels)
      expect({ panel: panel.title, queries: (panel.targets?.length ?? 0) > 0 }).toEqual({
        panel: panel.title,
        queries: true,
      });
  });
});
