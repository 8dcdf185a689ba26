// `arl lsp`: the language server on stdio, for Neovim, Helix, Emacs and other LSP clients.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../../lsp/server';
import type { Command } from '../command';

export const lspCommand: Command = {
  name: 'lsp',
  summary: 'Run the language server on stdin/stdout (for editors other than VS Code)',
  usage: `Usage: arl lsp [--stdio]

Speaks the Language Server Protocol on standard input and output until the client exits.`,
  options: { stdio: { type: 'boolean' } },
  async run() {
    const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
    startServer(connection, { bundleDir: typeof __dirname === 'string' ? __dirname : undefined });
    // Runs until the client sends `exit`; the connection ends the process then.
    await new Promise<never>(() => undefined);
    return 0;
  },
};
