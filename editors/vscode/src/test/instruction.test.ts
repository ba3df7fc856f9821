// "Edit with instruction…" (the executeCommand middleware) and the API key from SecretStorage.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EDIT_WITH_INSTRUCTION, executeWithInstruction } from '../instruction';
import { withApiKey } from '../secrets';

const range = { start: { line: 1, character: 0 }, end: { line: 3, character: 0 } };

test('the code action form asks for the instruction and sends [uri, range, instruction]', async () => {
  const calls: unknown[][] = [];
  const asked: string[] = [];
  const run = executeWithInstruction(async (o) => {
    asked.push(o.prompt);
    return '  add type hints ';
  });
  const result = await run(EDIT_WITH_INSTRUCTION, [{ action: 'edit', uri: 'file:///a.py', range, problems: [] }], (c, a) => {
    calls.push([c, a]);
    return 'sent';
  });
  assert.equal(result, 'sent');
  assert.equal(asked.length, 1);
  assert.deepEqual(calls, [[EDIT_WITH_INSTRUCTION, ['file:///a.py', range, 'add type hints']]]);
});

test('dismissing the box sends nothing; other commands and given instructions pass through', async () => {
  const calls: unknown[][] = [];
  const next = (c: string, a: unknown[]) => void calls.push([c, a]);
  await executeWithInstruction(async () => undefined)(EDIT_WITH_INSTRUCTION, [{ uri: 'file:///a.py', range }], next);
  await executeWithInstruction(async () => '   ')(EDIT_WITH_INSTRUCTION, ['file:///a.py', range], next);
  assert.deepEqual(calls, []);
  const never = async (): Promise<string> => assert.fail('asked');
  await executeWithInstruction(never)(EDIT_WITH_INSTRUCTION, ['file:///a.py', range, 'make it async'], next);
  await executeWithInstruction(never)('atelier.explain', [{ uri: 'file:///a.py', range }], next);
  assert.deepEqual(calls, [
    [EDIT_WITH_INSTRUCTION, ['file:///a.py', range, 'make it async']],
    ['atelier.explain', [{ uri: 'file:///a.py', range }]],
  ]);
});

test('the stored API key goes into the settings sent, over the plain setting', () => {
  const settings = { model: { backend: 'remote', api_key: null }, completion: { enabled: true } };
  assert.deepEqual(withApiKey(settings, 'sk-1').model, { backend: 'remote', api_key: 'sk-1' });
  assert.equal(settings.model.api_key, null, 'the original object was changed');
  assert.equal(withApiKey(settings, undefined), settings);
});
