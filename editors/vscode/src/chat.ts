// The chat view: a webview in the Explorer ("Atelier Chat") on `atelier/chat`. The answer
// streams in as it is written, `@workspace` (or the checkbox) searches the workspace, the
// references the server lists are links that open the file at the line, Stop cancels. The
// conversation logic is chatCore.ts; this is the webview glue.
import * as vscode from 'vscode';
import { LanguageClient, ProgressType } from 'vscode-languageclient/node';
import { ChatAnswer, ChatSession, ChatTransport, referenceLinks } from './chatCore';

export const CHAT_VIEW = 'atelier.chat';

function transport(client: LanguageClient): ChatTransport {
  const type = new ProgressType<{ delta?: string }>();
  return {
    request: (params, token) => client.sendRequest<ChatAnswer>('atelier/chat', params, token as vscode.CancellationToken),
    onProgress: (token, handler) => client.onProgress(type, token, handler),
    cancellation: () => new vscode.CancellationTokenSource(),
  };
}

class ChatView implements vscode.WebviewViewProvider {
  private session: ChatSession | undefined;
  private view: vscode.WebviewView | undefined;

  constructor(private readonly client: () => LanguageClient | undefined) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true };
    view.webview.html = html();
    view.webview.onDidReceiveMessage((m) => void this.receive(m));
  }

  private post(message: object): void {
    void this.view?.webview.postMessage(message);
  }

  private async receive(m: { type: string; text?: string; workspace?: boolean; uri?: string; line?: number }): Promise<void> {
    if (m.type === 'ask' && m.text) {
      await this.ask(m.text, Boolean(m.workspace));
    } else if (m.type === 'cancel') {
      this.session?.cancel();
    } else if (m.type === 'new') {
      this.session?.cancel();
      this.session = undefined;
    } else if (m.type === 'open' && m.uri) {
      const position = new vscode.Position(m.line ?? 0, 0);
      await vscode.window.showTextDocument(vscode.Uri.parse(m.uri), { selection: new vscode.Range(position, position) });
    }
  }

  private async ask(text: string, workspace: boolean): Promise<void> {
    const client = this.client();
    if (!client?.isRunning()) {
      this.post({ type: 'error', text: 'The Atelier server is not running.' });
      return;
    }
    this.session ??= new ChatSession(transport(client));
    const editor = vscode.window.activeTextEditor;
    // The selection in the active editor goes with the question (the server reads the file).
    const attachments =
      editor && !editor.selection.isEmpty
        ? [{ uri: editor.document.uri.toString(), range: client.code2ProtocolConverter.asRange(editor.selection) }]
        : [];
    this.post({ type: 'start', text });
    try {
      const turn = await this.session.send(text, (delta) => this.post({ type: 'delta', delta }), {
        workspaceSearch: workspace,
        attachments,
      });
      this.post({ type: 'done', content: turn.content, cancelled: turn.cancelled, references: referenceLinks(turn.references) });
    } catch (err) {
      this.post({ type: 'error', text: String(err instanceof Error ? err.message : err) });
    }
  }
}

export function registerChat(context: vscode.ExtensionContext, client: () => LanguageClient | undefined): void {
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider(CHAT_VIEW, new ChatView(client), {
      webviewOptions: { retainContextWhenHidden: true },
    }),
    vscode.commands.registerCommand('atelier.openChat', () => vscode.commands.executeCommand(`${CHAT_VIEW}.focus`)),
  );
}

function html(): string {
  const nonce = Math.random().toString(36).slice(2);
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 6px; }
  .turn { margin: 6px 0; white-space: pre-wrap; }
  .user { color: var(--vscode-descriptionForeground); }
  .refs a { display: block; cursor: pointer; color: var(--vscode-textLink-foreground); }
  .error { color: var(--vscode-errorForeground); }
  textarea { width: 100%; box-sizing: border-box; }
</style></head>
<body>
<div id="log"></div>
<textarea id="input" rows="3" placeholder="Ask about your code (@workspace searches the workspace; Ctrl+Enter sends)"></textarea>
<label><input type="checkbox" id="workspace"> search the workspace</label>
<button id="send">Send</button> <button id="stop" disabled>Stop</button> <button id="new">New chat</button>
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  const log = document.getElementById('log'), input = document.getElementById('input');
  const send = document.getElementById('send'), stop = document.getElementById('stop');
  let answer;
  function add(cls, text) { const d = document.createElement('div'); d.className = 'turn ' + cls; d.textContent = text; log.appendChild(d); return d; }
  function ask() {
    const text = input.value.trim();
    if (!text || send.disabled) return;
    vscode.postMessage({ type: 'ask', text, workspace: document.getElementById('workspace').checked });
    input.value = '';
  }
  send.onclick = ask;
  input.onkeydown = (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) ask(); };
  stop.onclick = () => vscode.postMessage({ type: 'cancel' });
  document.getElementById('new').onclick = () => { log.textContent = ''; vscode.postMessage({ type: 'new' }); };
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (m.type === 'start') { add('user', m.text); answer = add('assistant', ''); send.disabled = true; stop.disabled = false; }
    else if (m.type === 'delta') { answer.textContent += m.delta; }
    else if (m.type === 'done') {
      answer.textContent = m.content + (m.cancelled ? ' [stopped]' : '');
      if (m.references.length) {
        const refs = add('refs', '');
        for (const r of m.references) {
          const a = document.createElement('a'); a.textContent = r.label;
          a.onclick = () => vscode.postMessage({ type: 'open', uri: r.uri, line: r.line });
          refs.appendChild(a);
        }
      }
      send.disabled = false; stop.disabled = true;
    } else if (m.type === 'error') { add('error', m.text); send.disabled = false; stop.disabled = true; }
    log.scrollTop = log.scrollHeight;
  });
</script></body></html>`;
}
