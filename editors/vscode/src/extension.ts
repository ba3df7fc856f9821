// Atelier for VS Code: starts `atelier serve` and lets vscode-languageclient turn the server's
// textDocument/inlineCompletion answers into ghost text. Everything else is settings and the
// status bar item.
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  DidChangeConfigurationNotification,
} from 'vscode-languageclient/node';
import { registerChat } from './chat';
import { executeWithInstruction } from './instruction';
import { registerNextEdits } from './nextEdit';
import { loadApiKey, setApiKey, withApiKey } from './secrets';
import { serverCommand, serverSettings } from './settings';
import { Status, phaseFromProgress, statusText } from './status';

let client: LanguageClient | undefined;
let item: vscode.StatusBarItem;
const status: Status = { phase: 'stopped', busy: false, enabled: true };
let output: vscode.LogOutputChannel; // the client's log (and the server's stderr)

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('atelier');
}

function render(): void {
  const cfg = config();
  status.gpuLayers = cfg.get<number | null>('model.n_gpu_layers') ?? null;
  status.enabled = cfg.get<boolean>('completion.enabled', true);
  const { text, tooltip } = statusText(status);
  item.text = text;
  item.tooltip = tooltip;
}

function set(change: Partial<Status>): void {
  Object.assign(status, change);
  render();
}

function createClient(): LanguageClient {
  const cfg = config();
  const { command, args } = serverCommand(cfg.get('server.command'), cfg.get('server.args'));
  const serverOptions: ServerOptions = { command, args };
  const languages = cfg.get<string[]>('languages', []);
  const clientOptions: LanguageClientOptions = {
    documentSelector: languages.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    initializationOptions: withApiKey(serverSettings((key) => cfg.get(key))), // + the key in SecretStorage
    outputChannel: output,
    middleware: {
      executeCommand: executeWithInstruction((o) => vscode.window.showInputBox(o)), // Edit with instruction…
      // The model load is reported as work-done progress; VS Code shows it too.
      handleWorkDoneProgress: (_token, params, next) => {
        set({ phase: phaseFromProgress(params.kind, params.message), detail: params.message });
        next(_token, params);
      },
      provideInlineCompletionItems: async (document, position, context, token, next) => {
        set({ busy: true });
        try {
          return await next(document, position, context, token);
        } finally {
          set({ busy: false });
        }
      },
    },
  };
  const c = new LanguageClient('atelier', 'Atelier', serverOptions, clientOptions);
  c.onDidChangeState((e) => {
    if (e.newState === State.Starting) {
      set({ phase: 'starting', detail: `${command} ${args.join(' ')}` });
    } else if (e.newState === State.Running && status.phase === 'starting') {
      set({ phase: 'loading' }); // the server loads the model once initialized
    } else if (e.newState === State.Stopped) {
      set({ phase: 'stopped', busy: false });
    }
  });
  return c;
}

async function start(): Promise<void> {
  client = createClient();
  try {
    await client.start();
  } catch (err) {
    set({ phase: 'failed', detail: String(err) });
    const action = await vscode.window.showErrorMessage(
      `Atelier: could not start the server (${err}). Set "atelier.server.command" to the atelier executable.`,
      'Open Settings',
    );
    if (action) {
      void vscode.commands.executeCommand('workbench.action.openSettings', 'atelier.server');
    }
  }
}

async function restart(): Promise<void> {
  const old = client;
  client = undefined;
  if (old) {
    await old.stop().catch(() => undefined);
  }
  await start();
}

async function actions(): Promise<void> {
  const enabled = config().get<boolean>('completion.enabled', true);
  const picks: [string, string][] = [
    [enabled ? 'Disable completions' : 'Enable completions', 'atelier.toggleCompletions'],
    ['Restart server', 'atelier.restartServer'],
    ['Show log', 'atelier.showLog'],
    ['Open settings', 'workbench.action.openSettings'],
  ];
  const pick = await vscode.window.showQuickPick(picks.map(([label]) => label));
  const found = picks.find(([label]) => label === pick);
  if (found) {
    await vscode.commands.executeCommand(found[1], found[1].startsWith('workbench') ? 'atelier' : undefined);
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('Atelier', { log: true });
  item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  item.command = 'atelier.actions';
  item.show();
  render();
  registerNextEdits(context, () => client); // next-edit suggestions (nextEdit.ts)
  registerChat(context, () => client); // the chat view (chat.ts)
  context.subscriptions.push(await loadApiKey(context.secrets));
  context.subscriptions.push(
    item,
    output,
    vscode.commands.registerCommand('atelier.actions', actions),
    vscode.commands.registerCommand('atelier.restartServer', restart),
    vscode.commands.registerCommand('atelier.showLog', () => output.show()),
    vscode.commands.registerCommand('atelier.setApiKey', async () => {
      if (await setApiKey(context.secrets, (o) => vscode.window.showInputBox(o))) {
        await restart(); // initializationOptions carry the key
      }
    }),
    vscode.commands.registerCommand('atelier.toggleCompletions', () =>
      config().update('completion.enabled', !config().get<boolean>('completion.enabled', true), true),
    ),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('atelier.server') || e.affectsConfiguration('atelier.languages')) {
        await restart(); // a new command line or document selector needs a new client
      } else if (e.affectsConfiguration('atelier') && client?.isRunning()) {
        // The whole object: the server merges it, and reloads the model if model.* changed.
        await client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { atelier: withApiKey(serverSettings((key) => config().get(key))) },
        });
      }
      render();
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
