// Entry point of the bundled server (dist/server.cjs): IPC from VS Code, or --stdio for other editors.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all), { bundleDir: __dirname });
