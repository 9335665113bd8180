import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a process spent its CPU: self time per function, as shares of the samples. */
export interface ProfileSummary {
  totalMs: number;
  top: { where: string; share: number }[];
}

/**
 * Self time per function of the `.cpuprofile` files `node --cpu-prof` wrote in `dir` (all merged), the
 * `limit` largest first. Idle and garbage-collection samples are named as such.
 */
export function summariseCpuProfiles(dir: string, limit = 10): ProfileSummary {
  const self = new Map<string, number>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const names = new Map<number, string>();
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url
        ? `${functionName || '(anonymous)'} ${packageOf(url)}:${lineNumber + 1}`
        : functionName || '(native)';
      names.set(node.id, where);
    }
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      const where = names.get(id) ?? '?';
      self.set(where, (self.get(where) ?? 0) + us);
      total += us;
    });
  }
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([where, us]) => ({ where, share: total ? us / total : 0 }));
  return { totalMs: total / 1000, top };
}

/** A short name for a script: its package (node_modules/<pkg>, libs/<lib>, apps/<app>) and file. */
function packageOf(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (modules) return `${modules[1]}/${basename(path)}`;
  const ours = /\/(libs|apps)\/([^/]+)\//.exec(path);
  if (ours) return `${ours[1]}/${ours[2]}/${basename(path)}`;
  return basename(path);
}
