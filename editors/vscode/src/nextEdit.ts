// Next-edit suggestions in VS Code: after a change, ask Atelier for the edit that follows
// (`textDocument/copilotInlineEdit`), wherever it is in the file, and show it as a decoration
// on its line; Tab jumps to it, Tab again (on its line) accepts it, Escape dismisses it.
// An edit on the cursor's own line also comes as an inline completion with a range (the
// server's textDocument/inlineCompletion), which VS Code renders as a replacement. The
// stable API has no inline-edit rendering of its own (`InlineEdit` is a proposed API), hence
// the decoration.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

interface Position { line: number; character: number }
interface Range { start: Position; end: Position }
interface InlineEdit {
  text: string;
  range: Range;
  textDocument: { uri: string; version: number };
  command?: { title: string; command: string; arguments?: unknown[] };
}

const CONTEXT_KEY = 'atelier.nextEditVisible';
const DEBOUNCE_MS = 250;

export function registerNextEdits(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined): void {
  const mark = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
  });
  const label = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em' },
  });
  let current: { edit: InlineEdit; document: vscode.TextDocument } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const toRange = (r: Range) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

  function clear(): void {
    current = undefined;
    for (const editor of vscode.window.visibleTextEditors) {
      editor.setDecorations(mark, []);
      editor.setDecorations(label, []);
    }
    void vscode.commands.executeCommand('setContext', CONTEXT_KEY, false);
  }

  async function request(editor: vscode.TextEditor): Promise<void> {
    const client = getClient();
    if (!client?.isRunning()) {
      return;
    }
    const document = editor.document;
    const version = document.version;
    const position = editor.selection.active;
    const result = (await client.sendRequest('textDocument/copilotInlineEdit', {
      textDocument: { uri: client.code2ProtocolConverter.asUri(document.uri), version },
      position: { line: position.line, character: position.character },
    })) as { edits?: InlineEdit[] } | null;
    const edit = result?.edits?.[0];
    if (!edit || document.version !== version || vscode.window.activeTextEditor !== editor) {
      return;
    }
    current = { edit, document };
    const range = toRange(edit.range);
    const old = document.getText(range);
    const text = old ? `${old} → ${edit.text}` : `+ ${edit.text}`;
    editor.setDecorations(mark, range.isEmpty ? [] : [range]);
    editor.setDecorations(label, [{
      range: document.lineAt(range.start.line).range,
      renderOptions: { after: { contentText: `⇥ next edit: ${text.replace(/\n/g, '⏎')}` } },
    }]);
    void vscode.commands.executeCommand('setContext', CONTEXT_KEY, true);
  }

  async function tab(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!current || !editor || editor.document !== current.document) {
      return;
    }
    const range = toRange(current.edit.range);
    if (editor.selection.active.line !== range.start.line) {
      editor.selection = new vscode.Selection(range.start, range.start); // first Tab: jump there
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      return;
    }
    const { edit } = current;
    clear();
    await editor.edit((b) => b.replace(range, edit.text));
    if (edit.command) {
      await getClient()?.sendRequest('workspace/executeCommand', { command: edit.command.command, arguments: edit.command.arguments });
    }
  }

  context.subscriptions.push(
    mark,
    label,
    vscode.commands.registerCommand('atelier.nextEdit.tab', tab),
    vscode.commands.registerCommand('atelier.nextEdit.dismiss', clear),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length === 0) {
        return;
      }
      clear();
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(() => {
        const editor = vscode.window.activeTextEditor;
        if (editor && editor.document === e.document) {
          void request(editor).catch(() => undefined);
        }
      }, DEBOUNCE_MS);
    }),
  );
}
