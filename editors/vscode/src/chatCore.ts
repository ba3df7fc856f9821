// The chat client's logic, without the `vscode` module (so that node's test runner drives it
// against the real server): one conversation on `atelier/chat`, the answer streamed through a
// partialResultToken ($/progress {delta}), cancelled with $/cancelRequest, and the workspace
// references the server lists turned into links. chat.ts is the webview glue.

export interface Position {
  line: number;
  character: number;
}

export interface ChatReference {
  uri: string;
  kind?: string;
  title: string;
  range?: { start: Position; end: Position };
}

export interface ChatAnswer {
  conversationId: string;
  content: string;
  references: ChatReference[];
}

export interface Attachment {
  uri: string;
  range?: { start: Position; end: Position };
}

/** What a turn gave: the answer (partial when cancelled) and its references. */
export interface ChatTurn {
  content: string;
  references: ChatReference[];
  cancelled: boolean;
}

export interface Cancellation {
  token: unknown; // a CancellationToken of the connection (vscode's or vscode-jsonrpc's)
  cancel(): void;
  dispose(): void;
}

/** What the session needs from a connection: LanguageClient in the extension, a
 * vscode-languageserver-protocol connection in the tests. */
export interface ChatTransport {
  request(params: object, token: unknown): Promise<ChatAnswer>;
  onProgress(progressToken: string, handler: (value: { delta?: string }) => void): { dispose(): void };
  cancellation(): Cancellation;
}

/** A link the view shows for a reference: its title, and where clicking it goes (0-based line). */
export interface ReferenceLink {
  label: string;
  uri: string;
  line: number;
}

export function referenceLinks(references: ChatReference[] | undefined): ReferenceLink[] {
  return (references ?? [])
    .filter((r) => typeof r?.uri === 'string' && r.uri !== '')
    .map((r) => ({ label: r.title || r.uri, uri: r.uri, line: r.range?.start.line ?? 0 }));
}

/** `@workspace` anywhere in the message asks the server to search the workspace (it also
 * reads the mention itself; the flag makes the view's checkbox do the same). */
export function mentionsWorkspace(text: string): boolean {
  return /(^|\s)@workspace\b/.test(text);
}

let counter = 0;

export class ChatSession {
  readonly conversationId: string;
  /** What the user saw: every finished turn (cancelled ones with their partial answer). */
  readonly transcript: { role: 'user' | 'assistant'; content: string }[] = [];
  private running: Cancellation | undefined;
  private cancelRequested = false;

  constructor(private readonly transport: ChatTransport, id?: string) {
    this.conversationId = id ?? `vscode-${process.pid}-${Date.now()}-${++counter}`;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Ask; `onDelta` gets each streamed piece and the answer so far. Only the new message is
   * sent: the server keeps the conversation (a cancelled turn is not kept there). */
  async send(
    text: string,
    onDelta: (delta: string, soFar: string) => void,
    options: { workspaceSearch?: boolean; attachments?: Attachment[] } = {},
  ): Promise<ChatTurn> {
    if (this.running) {
      throw new Error('a question is still being answered');
    }
    const progressToken = `${this.conversationId}-${this.transcript.length}`;
    let soFar = '';
    const listener = this.transport.onProgress(progressToken, (value) => {
      if (typeof value?.delta === 'string' && value.delta !== '') {
        soFar += value.delta;
        onDelta(value.delta, soFar);
      }
    });
    const cancel = this.transport.cancellation();
    this.running = cancel;
    this.cancelRequested = false;
    const params: Record<string, unknown> = {
      conversationId: this.conversationId,
      messages: [{ role: 'user', content: text }],
      partialResultToken: progressToken,
      workspaceSearch: Boolean(options.workspaceSearch) || mentionsWorkspace(text),
    };
    if (options.attachments?.length) {
      params.attachments = options.attachments;
    }
    try {
      const answer = await this.transport.request(params, cancel.token);
      const turn = { content: answer?.content ?? soFar, references: answer?.references ?? [], cancelled: false };
      this.transcript.push({ role: 'user', content: text }, { role: 'assistant', content: turn.content });
      return turn;
    } catch (err) {
      if (!this.cancelRequested) {
        throw err;
      }
      // Cancelled: the server answers the request with an error; what streamed stays shown.
      this.transcript.push({ role: 'user', content: text }, { role: 'assistant', content: soFar });
      return { content: soFar, references: [], cancelled: true };
    } finally {
      listener.dispose();
      cancel.dispose();
      this.running = undefined;
    }
  }

  /** Stop the answer being written ($/cancelRequest); true if there was one. */
  cancel(): boolean {
    const running = this.running;
    if (!running) {
      return false;
    }
    this.cancelRequested = true;
    running.cancel();
    return true;
  }
}
