// The chat client's logic with a scripted transport: streaming, cancel, references as links.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChatAnswer, ChatSession, ChatTransport, mentionsWorkspace, referenceLinks } from '../chatCore';

function scripted(answer: (params: any, emit: (delta: string) => void, cancelled: Promise<void>) => Promise<ChatAnswer>) {
  const handlers = new Map<string, (v: { delta?: string }) => void>();
  const sent: any[] = [];
  const transport: ChatTransport = {
    request: (params: any, token: any) => {
      sent.push(params);
      return answer(params, (delta) => handlers.get(params.partialResultToken)?.({ delta }), token.cancelled);
    },
    onProgress: (token, handler) => {
      handlers.set(token, handler);
      return { dispose: () => void handlers.delete(token) };
    },
    cancellation: () => {
      let fire = () => {};
      const cancelled = new Promise<void>((resolve) => (fire = resolve));
      return { token: { cancelled }, cancel: () => fire(), dispose: () => {} };
    },
  };
  return { transport, sent, handlers };
}

test('a turn streams its deltas, sends only the new message, and flags @workspace', async () => {
  const { transport, sent, handlers } = scripted(async (params, emit) => {
    emit('Hello');
    emit(', world');
    return { conversationId: params.conversationId, content: 'Hello, world', references: [] };
  });
  const session = new ChatSession(transport, 'c1');
  const seen: string[] = [];
  const turn = await session.send('@workspace hi', (_d, soFar) => void seen.push(soFar));
  assert.deepEqual(seen, ['Hello', 'Hello, world']);
  assert.equal(turn.content, 'Hello, world');
  assert.equal(sent[0].conversationId, 'c1');
  assert.deepEqual(sent[0].messages, [{ role: 'user', content: '@workspace hi' }]);
  assert.equal(sent[0].workspaceSearch, true);
  assert.equal(typeof sent[0].partialResultToken, 'string');
  assert.equal(handlers.size, 0, 'the progress listener was not disposed');
  await session.send('again', () => {});
  assert.deepEqual(sent[1].messages, [{ role: 'user', content: 'again' }]);
  assert.equal(sent[1].workspaceSearch, false);
  assert.notEqual(sent[1].partialResultToken, sent[0].partialResultToken);
  assert.equal(session.transcript.length, 4);
});

test('cancel stops the turn and keeps what streamed', async () => {
  const { transport } = scripted(async (_params, emit, cancelled) => {
    emit('partial');
    await cancelled;
    throw Object.assign(new Error('cancelled'), { code: -32800 });
  });
  const session = new ChatSession(transport);
  const pending = session.send('long question', () => void session.cancel());
  const turn = await pending;
  assert.equal(turn.cancelled, true);
  assert.equal(turn.content, 'partial');
  assert.equal(session.busy, false);
  assert.equal(session.cancel(), false, 'nothing left to cancel');
});

test('an error that is not a cancel reaches the caller', async () => {
  const { transport } = scripted(async () => {
    throw new Error('the model is not loaded');
  });
  await assert.rejects(new ChatSession(transport).send('q', () => {}), /not loaded/);
});

test('references become links to their line', () => {
  assert.deepEqual(
    referenceLinks([
      { uri: 'file:///w/a.py', kind: 'definition', title: '`f` in a.py', range: { start: { line: 7, character: 0 }, end: { line: 7, character: 0 } } },
      { uri: '', title: 'broken' },
    ]),
    [{ label: '`f` in a.py', uri: 'file:///w/a.py', line: 7 }],
  );
  assert.ok(mentionsWorkspace('look @workspace for it') && !mentionsWorkspace('mail me@workspace.org'));
});
