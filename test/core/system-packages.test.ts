// What `npm test` installs on a fresh machine: only the missing Debian packages, and only as root;
// otherwise one line says what is missing and how to install it.
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain ES module of the test scripts (no types)
import { planPackages } from '../support/system-packages.mjs';

type Host = Parameters<typeof planPackages>[0];

const host = (over: Partial<Record<string, unknown>> & { have?: string[] } = {}): Host => {
  const have = new Set(over.have ?? []);
  return {
    chromium: '/usr/bin/chromium',
    exists: (p: string) => have.has(p),
    onPath: (c: string) => have.has(c),
    dpkgHas: (p: string) => have.has(p),
    codeServerInstalled: false,
    browser: true,
    apt: true,
    root: true,
    ...over,
  };
};

const all = ['/usr/bin/chromium', 'rg', 'libkrb5-dev', 'g++', 'make', 'python3'];

describe('system packages for the tests', () => {
  it('installs nothing when everything is there', () => {
    expect(planPackages(host({ have: all }))).toEqual({ action: 'none', packages: [] });
  });

  it('installs only what is missing, as root', () => {
    expect(planPackages(host({ have: ['rg', 'g++', 'make', 'python3'] }))).toEqual({ action: 'install', packages: ['chromium', 'libkrb5-dev'] });
  });

  it('needs only Chromium once code-server is installed', () => {
    expect(planPackages(host({ codeServerInstalled: true }))).toEqual({ action: 'install', packages: ['chromium'] });
    expect(planPackages(host({ codeServerInstalled: true, have: ['/usr/bin/chromium'] })).action).toBe('none');
  });

  it('says in one line what is missing and how to install it, without root', () => {
    const p = planPackages(host({ root: false, codeServerInstalled: true }));
    expect(p).toEqual({
      action: 'tell',
      packages: ['chromium'],
      message: 'missing system packages chromium: install them with `sudo apt-get install --no-install-recommends chromium` (or set CHROMIUM_PATH to a Chromium binary), then run it again.',
    });
    expect(p.message).not.toContain('\n');
    const noApt = planPackages(host({ apt: false, have: all.slice(1) }));
    expect(noApt.message).toBe('missing system packages chromium: install them with your package manager (for Chromium, or set CHROMIUM_PATH to its binary), then run it again.');
  });

  it('finds Chromium where CHROMIUM_PATH says', () => {
    expect(planPackages(host({ chromium: '/opt/chrome', have: ['/opt/chrome', ...all.slice(1)] })).action).toBe('none');
  });
});
