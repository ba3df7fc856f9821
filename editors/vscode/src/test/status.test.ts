import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { phaseFromProgress, statusText } from '../status';

test('model load progress drives the phase', () => {
  assert.equal(phaseFromProgress('begin', 'loading model'), 'loading');
  assert.equal(phaseFromProgress('end', 'model SmolLM2-135M-Instruct.Q4_1.gguf ready'), 'ready');
  assert.equal(phaseFromProgress('end', 'model failed to load'), 'failed');
});

test('status bar: icon for the state, details in the tooltip', () => {
  const ready = statusText({ phase: 'ready', busy: false, enabled: true, detail: 'model X ready', gpuLayers: 0 });
  assert.equal(ready.text, '$(sparkle) Atelier');
  assert.match(ready.tooltip, /model X ready/);
  assert.match(ready.tooltip, /device: CPU/);
  assert.equal(statusText({ phase: 'ready', busy: true, enabled: true }).text, '$(sync~spin) Atelier');
  assert.equal(statusText({ phase: 'ready', busy: false, enabled: false }).text, '$(circle-slash) Atelier');
  assert.equal(statusText({ phase: 'failed', busy: false, enabled: true }).text, '$(error) Atelier');
  assert.match(statusText({ phase: 'ready', busy: false, enabled: true, gpuLayers: -1 }).tooltip, /GPU \(all layers\)/);
});
