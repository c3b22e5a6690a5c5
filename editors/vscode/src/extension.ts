// The VS Code client of `fhc lsp`: it finds the fhc binary, starts it over stdio for FireHOL
// documents, and restarts it when its path changes. Every language feature is the server's.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commands, ExtensionContext, window, workspace } from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/**
 * Where the server binary is, in the order a user expects to override it: the setting, the
 * environment, a binary bundled in a platform-specific .vsix, then `fhc` on PATH.
 */
export function serverPath(extensionPath: string): string {
  const configured = workspace.getConfiguration('fhc').get<string | null>('server.path');
  if (configured && configured.trim() !== '') {
    return expandHome(configured.trim());
  }
  const fromEnv = process.env.FHC_SERVER_PATH;
  if (fromEnv && fromEnv.trim() !== '') {
    return expandHome(fromEnv.trim());
  }
  const bundled = path.join(extensionPath, 'server', process.platform === 'win32' ? 'fhc.exe' : 'fhc');
  if (fs.existsSync(bundled)) {
    return bundled;
  }
  return 'fhc';
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

async function start(context: ExtensionContext): Promise<void> {
  const command = serverPath(context.extensionPath);
  const serverOptions: ServerOptions = {
    run: { command, args: ['lsp'], transport: TransportKind.stdio },
    debug: { command, args: ['lsp'], transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'firehol' },
      { scheme: 'untitled', language: 'firehol' },
    ],
    // `fhc.defines` at start, and again (as workspace/didChangeConfiguration) when it changes.
    initializationOptions: { defines: workspace.getConfiguration('fhc').get<string[]>('defines') ?? [] },
    synchronize: { configurationSection: 'fhc' },
  };
  client = new LanguageClient('fhc', 'FireHOL (fhc)', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    client = undefined;
    void window.showErrorMessage(
      `fhc: could not start "${command} lsp" (${String(err)}). Install fhc or set "fhc.server.path".`,
    );
  }
}

async function restart(context: ExtensionContext): Promise<void> {
  const old = client;
  client = undefined;
  if (old) {
    await old.stop();
  }
  await start(context);
}

export async function activate(context: ExtensionContext): Promise<void> {
  context.subscriptions.push(
    commands.registerCommand('fhc.restartServer', () => restart(context)),
    workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('fhc.server.path')) {
        void restart(context);
      }
    }),
  );
  await start(context);
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}
