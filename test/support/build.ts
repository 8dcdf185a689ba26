// Vitest global setup: bundles the CLI, server and webviews once so spawned-binary tests run the
// real artefacts (npm test builds first anyway; this keeps `npx vitest run test/cli` working).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  if (process.env.ARL_SKIP_BUILD) return;
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
}
