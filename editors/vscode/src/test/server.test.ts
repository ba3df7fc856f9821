// The real server against what the extension sends: the settings object built by
// serverSettings() from package.json's defaults (as initializationOptions and in
// didChangeConfiguration) must be accepted, and an inline completion must come back.
// Runs only when ATELIER_SERVER_CMD holds the server's command line as a JSON array
// (tests/editors/test_vscode.py sets it); VS Code itself cannot be installed offline.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createProtocolConnection,
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  InitializeRequest,
  InitializedNotification,
  InlineCompletionRequest,
  ShowMessageNotification,
  WorkDoneProgressCreateRequest,
  ExitNotification,
  ShutdownRequest,
} from 'vscode-languageserver-protocol/node';
import { serverSettings } from '../settings';

const command = process.env.ATELIER_SERVER_CMD;
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const defaults = (key: string) => manifest.contributes.configuration.properties[`atelier.${key}`]?.default;

test('the server accepts the extension settings and completes inline', { skip: !command, timeout: 180_000 }, async () => {
  const [cmd, ...args] = JSON.parse(command!) as string[];
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(proc.stdout, proc.stdin);
  const messages: string[] = [];
  conn.onNotification(ShowMessageNotification.type, (p) => void messages.push(p.message));
  conn.onRequest(WorkDoneProgressCreateRequest.type, () => {});
  conn.listen();
  try {
    const settings = serverSettings(defaults);
    settings.completion.max_tokens = 32;
    const init = await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { window: { workDoneProgress: true }, textDocument: { inlineCompletion: {} } },
      initializationOptions: settings,
    });
    assert.ok(init.capabilities.inlineCompletionProvider, 'no inlineCompletionProvider');
    await conn.sendNotification(InitializedNotification.type, {});
    // What the extension sends when a setting changes: the whole object under `atelier`.
    await conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { atelier: settings } });
    const uri = 'file:///tmp/atelier-vscode-test.py';
    const text = 'def area(width, height):\n    """Area of a rectangle."""\n    return ';
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'python', version: 1, text },
    });
    const result = await conn.sendRequest(InlineCompletionRequest.type, {
      textDocument: { uri },
      position: { line: 2, character: 11 },
      context: { triggerKind: 2 }, // automatic, as VS Code sends while typing
    });
    const items = Array.isArray(result) ? result : (result?.items ?? []);
    assert.ok(items.length > 0, 'no inline completion item');
    const insert = items[0].insertText;
    assert.ok(typeof insert === 'string' && insert.trim() !== '', `empty completion: ${JSON.stringify(insert)}`);
    assert.deepEqual(messages, [], 'the server complained about the settings');
    await conn.sendRequest(ShutdownRequest.type);
    await conn.sendNotification(ExitNotification.type);
  } finally {
    conn.dispose();
    proc.kill();
  }
});
