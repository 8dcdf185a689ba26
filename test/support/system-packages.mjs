// What the tests need from the system, as a plan: nothing, install these Debian packages (as
// root), or tell the user. Pure, so it is unit tested; test/system.mjs carries it out.

/** Where test/e2e/install-code-server.sh puts code-server. */
export const codeServerVersion = '4.100.3';
export function codeServerDir(cache) {
  return `${cache}/code-server-${codeServerVersion}`;
}

/**
 * The Debian packages, each with what needs it and how to tell it is there.
 * code-server's npm install (once, into the cache) builds native modules (kerberos: libkrb5-dev,
 * and a compiler, make and python3) and packs ripgrep instead of downloading it from GitHub.
 */
export const packages = [
  { name: 'chromium', for: 'browser', check: (h) => h.exists(h.chromium) },
  { name: 'ripgrep', for: 'code-server', check: (h) => h.onPath('rg') },
  { name: 'libkrb5-dev', for: 'code-server', check: (h) => h.dpkgHas('libkrb5-dev') },
  { name: 'g++', for: 'code-server', check: (h) => h.onPath('g++') },
  { name: 'make', for: 'code-server', check: (h) => h.onPath('make') },
  { name: 'python3', for: 'code-server', check: (h) => h.onPath('python3') },
];

/**
 * host: { chromium (path), exists(path), onPath(cmd), dpkgHas(pkg), codeServerInstalled,
 * browser (the browser tests run too), apt (apt-get is there), root }.
 */
export function planPackages(host) {
  const wanted = packages.filter((p) => (p.for === 'browser' ? host.browser || !host.codeServerInstalled : !host.codeServerInstalled));
  const missing = wanted.filter((p) => !p.check(host)).map((p) => p.name);
  if (!missing.length) return { action: 'none', packages: [] };
  if (host.apt && host.root) return { action: 'install', packages: missing };
  const chromiumOnly = missing.length === 1 && missing[0] === 'chromium';
  const how = host.apt
    ? `install them with \`sudo apt-get install --no-install-recommends ${missing.join(' ')}\`${chromiumOnly ? ' (or set CHROMIUM_PATH to a Chromium binary)' : ''}`
    : `install them with your package manager${missing.includes('chromium') ? ' (for Chromium, or set CHROMIUM_PATH to its binary)' : ''}`;
  return { action: 'tell', packages: missing, message: `missing system packages ${missing.join(' ')}: ${how}, then run it again.` };
}
