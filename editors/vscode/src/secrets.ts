// The remote backend's API key in VS Code's SecretStorage (the OS keychain), not in the
// settings files (plain text). `Atelier: Set API Key` stores it; the extension puts it into the
// settings object it sends the server (initializationOptions and didChangeConfiguration), where
// it wins over `atelier.model.api_key`. Pure apart from the `vscode` types used by the glue
// below, which only takes the storage object; `withApiKey` is what the tests check.
import type * as vscode from 'vscode';

export const SECRET_KEY = 'atelier.model.api_key';

let cached: string | undefined;

/** The settings object with the stored key in it (a copy; unchanged without a key). */
export function withApiKey<T extends { [section: string]: { [name: string]: unknown } }>(
  settings: T,
  key: string | undefined = cached,
): T {
  if (!key) {
    return settings;
  }
  return { ...settings, model: { ...settings.model, api_key: key } };
}

/** Read the stored key (before the client starts) and follow changes made elsewhere. */
export async function loadApiKey(secrets: vscode.SecretStorage): Promise<vscode.Disposable> {
  cached = (await secrets.get(SECRET_KEY)) || undefined;
  return secrets.onDidChange(async (e) => {
    if (e.key === SECRET_KEY) {
      cached = (await secrets.get(SECRET_KEY)) || undefined;
    }
  });
}

/** `Atelier: Set API Key`: asks for the key (a password box; empty removes it), stores it and
 * says whether the server must restart to use it. */
export async function setApiKey(
  secrets: vscode.SecretStorage,
  ask: (options: vscode.InputBoxOptions) => PromiseLike<string | undefined>,
): Promise<boolean> {
  const key = await ask({
    prompt: 'Atelier: API key of the remote backend (kept in the OS keychain; empty removes it)',
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) {
    return false;
  }
  if (key.trim() === '') {
    await secrets.delete(SECRET_KEY);
    cached = undefined;
  } else {
    await secrets.store(SECRET_KEY, key.trim());
    cached = key.trim();
  }
  return true;
}
