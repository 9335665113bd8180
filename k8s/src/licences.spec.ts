import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import satisfies from 'spdx-satisfies';
import { ROOT } from './rendered-manifests';

// The licences of what the images ship: the production dependencies, read by license-checker-rseidelsohn
// from the installed packages, held to tools/image/licences.json.
interface Policy {
  allowed: string[];
  exceptions: Record<string, string>;
}

interface Found {
  licenses?: string | string[];
  repository?: string;
}

const policy = JSON.parse(readFileSync(join(ROOT, 'tools', 'image', 'licences.json'), 'utf8')) as Policy;

function productionLicences(): Record<string, Found> {
  const bin = join(
    ROOT,
    'node_modules',
    'license-checker-rseidelsohn',
    'bin',
    'license-checker-rseidelsohn.js',
  );
  const json = execFileSync(process.execPath, [bin, '--production', '--excludePrivatePackages', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(json) as Record<string, Found>;
}

/** Whether a package's declared licence (an SPDX expression, or a list of them) is allowed. */
function acceptable(licenses: Found['licenses'], allowed: string[]): boolean {
  const expressions = Array.isArray(licenses) ? licenses : [licenses ?? 'UNKNOWN'];
  // A list means the package names several licences without saying how: all must be allowed.
  return expressions.every((expression) => {
    try {
      return satisfies(expression.replace(/\*$/, ''), allowed);
    } catch {
      return false; // UNKNOWN, UNLICENSED, "Custom: …" and other non-SPDX values
    }
  });
}

describe('the production dependencies', () => {
  const found = productionLicences();

  it('are all found (the checker read the installed tree)', () => {
    expect(Object.keys(found).length).toBeGreaterThan(200);
    expect(Object.keys(found)).toEqual(expect.arrayContaining([expect.stringMatching(/^kafkajs@/)]));
    expect(Object.keys(found).filter((p) => /^(jest|nx|typescript-eslint)@/.test(p))).toEqual([]);
  });

  it('carry only the licences tools/image/licences.json allows, or a documented exception', () => {
    const refused = Object.entries(found)
      .filter(([pkg, { licenses }]) => !acceptable(licenses, policy.allowed) && !policy.exceptions[pkg])
      .map(([pkg, { licenses }]) => `${pkg}: ${String(licenses)}`);
    expect(refused).toEqual([]);
  });

  it('has no exception left for a package that is gone or now allowed', () => {
    const stale = Object.keys(policy.exceptions).filter(
      (pkg) => !found[pkg] || acceptable(found[pkg]?.licenses, policy.allowed),
    );
    expect(stale).toEqual([]);
  });

  it('include the KurrentDB client under Apache-2.0', () => {
    const client = Object.entries(found).find(([pkg]) => pkg.startsWith('@kurrent/kurrentdb-client@'));
    expect(client?.[1].licenses).toBe('Apache-2.0');
  });
});

describe('the licence policy', () => {
  it('refuses copyleft and unknown licences, and reads SPDX expressions', () => {
    expect(acceptable('GPL-3.0-only', policy.allowed)).toBe(false);
    expect(acceptable('AGPL-3.0-or-later', policy.allowed)).toBe(false);
    expect(acceptable('UNKNOWN', policy.allowed)).toBe(false);
    expect(acceptable('(MIT OR GPL-3.0-only)', policy.allowed)).toBe(true);
    expect(acceptable('(MIT AND GPL-3.0-only)', policy.allowed)).toBe(false);
    expect(acceptable(['MIT', 'GPL-2.0-only'], policy.allowed)).toBe(false);
  });
});
