import type { LabelSelector, Manifest } from './rendered-manifests';

export interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
  tcpSocket?: { port: string | number };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext & { fsGroup?: number };
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  volumes?: { name: string; secret?: { secretName: string }; emptyDir?: Record<string, unknown> }[];
  topologySpreadConstraints?: {
    topologyKey: string;
    whenUnsatisfiable: string;
    labelSelector?: LabelSelector;
    matchLabelKeys?: string[];
  }[];
}

export interface PodTemplate {
  metadata: { labels?: Record<string, string> };
  spec: PodSpec;
}

/** An object that runs pods, with its pod template. */
export interface Workload {
  manifest: Manifest;
  template: PodTemplate;
  /** Deployments and StatefulSets run until stopped (probes apply); Jobs run to completion. */
  longRunning: boolean;
}

export const LONG_RUNNING = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** Every pod template in a set of manifests. */
export function workloads(manifests: Manifest[]): Workload[] {
  return manifests.flatMap((manifest): Workload[] => {
    const spec = manifest.spec as {
      template?: PodTemplate;
      jobTemplate?: { spec: { template: PodTemplate } };
    };
    if ([...LONG_RUNNING, 'Job'].includes(manifest.kind) && spec.template)
      return [{ manifest, template: spec.template, longRunning: manifest.kind !== 'Job' }];
    if (manifest.kind === 'CronJob' && spec.jobTemplate)
      return [{ manifest, template: spec.jobTemplate.spec.template, longRunning: false }];
    return [];
  });
}

export const containersOf = (pod: PodSpec): Container[] => [...(pod.initContainers ?? []), ...pod.containers];

/** Deployments' specs as the checks read them. */
export interface DeploymentSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplate;
}
