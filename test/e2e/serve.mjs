// `npm run serve`: try ARL in a real VS Code in the browser, without installing VS Code.
import { join } from 'node:path';
import { exampleWorkspace, installCodeServer, packageVsix, root, startCodeServer } from './codeServer.mjs';

const port = Number(process.env.PORT ?? 8080);
const bin = installCodeServer();
const vsix = packageVsix();
const workspace = exampleWorkspace(join(root, 'examples', 'stockout'), 10000, true);
const server = await startCodeServer({ bin, vsix, workspace, port });
console.log(`\nARL is running in VS Code at ${server.url}\nOpen stockout.arl from the explorer. Press Ctrl-C to stop.`);
process.on('SIGINT', () => {
  server.stop();
  process.exit(0);
});
