// Unit tests of the settings conversion, against the package.json the .vsix ships.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_SETTINGS, serverCommand, serverSettings } from '../settings';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, { default: unknown }> = manifest.contributes.configuration.properties;

// What VS Code's getConfiguration('atelier').get(key) returns when the user changed nothing.
const defaults = (key: string) => properties[`atelier.${key}`]?.default;

test('every server setting is declared in package.json, and nothing else goes to the server', () => {
  const declared = Object.keys(properties)
    .map((k) => k.replace(/^atelier\./, ''))
    .filter((k) => !k.startsWith('server.') && k !== 'languages');
  assert.deepEqual(declared.sort(), [...SERVER_SETTINGS].sort());
});

test('defaults become the nested object the server expects', () => {
  assert.deepEqual(serverSettings(defaults), {
    model: {
      backend: 'llama',
      path: null,
      n_ctx: 4096,
      n_threads: null,
      n_gpu_layers: null,
      main_gpu: 0,
      flash_attn: false,
      n_batch: 512,
      url: null,
      api_key: null,
      name: null,
      fim: null,
      headers: {},
      connect_timeout_s: 5,
      read_timeout_s: 60,
      lora_path: null,
      lora_scale: 1,
      kept_states_mb: null,
      prompt_lookup: 6,
    },
    completion: {
      enabled: true,
      max_tokens: null,
      max_lines: 16,
      context_tokens: 1024,
      suffix_share: 0.25,
      debounce_ms: 30,
      context: 'full',
      timeout_ms: null,
      max_decode_ms: null,
      warmup: true,
      cold_prompt_ms: 1000,
    },
    feedback: { enabled: true },
    generate: { candidates: 8, temperature: 0.8, max_tokens: 256, timeout_s: 20, memory_mb: 1024, python: null, seed: null, isolation: 'auto' },
    next_edit: { enabled: true, predictors: ['propagation', 'model'], debounce_ms: 150 },
    licenses: { deny: ['GPL-1.0*', 'GPL-2.0*', 'GPL-3.0*', 'AGPL-1.0*', 'AGPL-3.0*', 'SSPL-*', 'EUPL-*', 'BUSL-*', 'unknown'], allow: [] },
  });
});

test('user values pass through; an empty string means "unset" (null)', () => {
  const user: Record<string, unknown> = {
    'model.path': '',
    'model.url': 'http://10.0.0.5:8000/v1',
    'model.n_gpu_layers': -1,
    'completion.max_tokens': 32,
  };
  const s = serverSettings((key) => (key in user ? user[key] : defaults(key)));
  assert.equal(s.model.path, null);
  assert.equal(s.model.url, 'http://10.0.0.5:8000/v1');
  assert.equal(s.model.n_gpu_layers, -1);
  assert.equal(s.completion.max_tokens, 32);
});

test('a setting VS Code does not know is left out, so the server keeps its value', () => {
  const s = serverSettings((key) => (key === 'completion.max_lines' ? undefined : defaults(key)));
  assert.ok(!('max_lines' in s.completion));
  assert.equal(s.model.n_threads, null); // nullable ones are sent as null instead
});

test('server command: configured, else `atelier serve`', () => {
  assert.deepEqual(serverCommand('/opt/atelier/.venv/bin/atelier', ['serve', '--log-level', 'debug']), {
    command: '/opt/atelier/.venv/bin/atelier',
    args: ['serve', '--log-level', 'debug'],
  });
  assert.deepEqual(serverCommand('  ', undefined), { command: 'atelier', args: ['serve'] });
  assert.deepEqual(serverCommand(undefined, ['serve', 3]), { command: 'atelier', args: ['serve'] });
});
