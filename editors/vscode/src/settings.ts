// VS Code settings -> the server's settings object. Pure (no `vscode` import), so that the
// unit tests run under plain node.

/** The server's settings (lsp_server/settings.py), as dotted keys under `atelier.`. */
export const SERVER_SETTINGS = [
  'model.backend',
  'model.path',
  'model.n_ctx',
  'model.n_threads',
  'model.n_gpu_layers',
  'model.main_gpu',
  'model.flash_attn',
  'model.n_batch',
  'model.url',
  'model.api_key',
  'model.name',
  'model.fim',
  'model.headers',
  'model.connect_timeout_s',
  'model.read_timeout_s',
  'model.lora_path',
  'model.lora_scale',
  'model.kept_states_mb',
  'model.prompt_lookup',
  'completion.enabled',
  'completion.max_tokens',
  'completion.max_lines',
  'completion.context_tokens',
  'completion.suffix_share',
  'completion.debounce_ms',
  'completion.context',
  'completion.timeout_ms',
  'completion.max_decode_ms',
  'completion.warmup',
  'completion.cold_prompt_ms',
  'feedback.enabled',
  'generate.candidates',
  'generate.temperature',
  'generate.max_tokens',
  'generate.timeout_s',
  'generate.memory_mb',
  'generate.python',
  'generate.seed',
  'generate.isolation',
  'next_edit.enabled',
  'next_edit.predictors',
  'next_edit.debounce_ms',
  'licenses.deny',
  'licenses.allow',
] as const;

// Settings where "unset" means "the server decides": sent as null, so that clearing one in
// VS Code also resets it on a running server.
const NULLABLE = new Set<string>([
  'model.path',
  'model.n_threads',
  'model.n_gpu_layers',
  'model.url',
  'model.api_key',
  'model.name',
  'model.fim',
  'model.lora_path',
  'model.kept_states_mb',
  'completion.max_tokens',
  'completion.timeout_ms',
  'completion.max_decode_ms',
  'generate.python',
  'generate.seed',
]);

export type Getter = (key: string) => unknown;
export type ServerSettings = { [section: string]: { [name: string]: unknown } };

/** `get` reads one dotted key under `atelier.` (e.g. workspace.getConfiguration('atelier').get). */
export function serverSettings(get: Getter): ServerSettings {
  const out: ServerSettings = {};
  for (const key of SERVER_SETTINGS) {
    let value = get(key);
    if (NULLABLE.has(key) && (value === undefined || value === '')) {
      value = null;
    }
    if (value === undefined) {
      continue; // the server keeps its own default
    }
    const [section, name] = key.split('.');
    (out[section] ??= {})[name] = value;
  }
  return out;
}

/** The command line that starts the server; an empty command falls back to `atelier`. */
export function serverCommand(command: unknown, args: unknown): { command: string; args: string[] } {
  const cmd = typeof command === 'string' && command.trim() !== '' ? command.trim() : 'atelier';
  const list = Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : ['serve'];
  return { command: cmd, args: list };
}
