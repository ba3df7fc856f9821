// What the status bar item says. Pure, for the unit tests.

export type Phase = 'starting' | 'loading' | 'ready' | 'failed' | 'stopped';

export interface Status {
  phase: Phase;
  busy: boolean; // a completion request is in flight
  enabled: boolean; // the completion.enabled setting
  detail?: string; // the server's last progress message, e.g. "model X.gguf ready"
  gpuLayers?: number | null; // the model.n_gpu_layers setting
}

export function statusText(s: Status): { text: string; tooltip: string } {
  const icon =
    s.phase === 'failed' || s.phase === 'stopped'
      ? '$(error)'
      : !s.enabled
        ? '$(circle-slash)'
        : s.busy || s.phase === 'starting' || s.phase === 'loading'
          ? '$(sync~spin)'
          : '$(sparkle)';
  const device =
    s.gpuLayers == null
      ? 'automatic (all layers on the GPU if llama.cpp has one, else CPU)'
      : s.gpuLayers === 0
        ? 'CPU'
        : `GPU (${s.gpuLayers < 0 ? 'all' : s.gpuLayers} layers)`;
  const lines = [`Atelier: ${s.phase}${s.busy ? ', completing' : ''}${s.enabled ? '' : ', completions off'}`];
  if (s.detail) {
    lines.push(s.detail);
  }
  lines.push(`device: ${device}`, 'click for actions');
  return { text: `${icon} Atelier`, tooltip: lines.join('\n') };
}

/** The phase after a work-done progress message from the server's model load. */
export function phaseFromProgress(kind: 'begin' | 'report' | 'end', message: string | undefined): Phase {
  if (kind !== 'end') {
    return 'loading';
  }
  return message && message.includes('failed') ? 'failed' : 'ready';
}
