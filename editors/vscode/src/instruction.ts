// "Atelier: Edit with instruction…": the server's code action carries the command
// `atelier.editWithInstruction` with one argument {action, uri, range, problems} and no
// instruction (the server cannot ask for one). vscode-languageclient registers every command the
// server lists as a VS Code command that sends workspace/executeCommand, through
// `middleware.executeCommand`; this middleware asks for the instruction first and sends
// [uri, range, instruction]. The server then applies the edit with workspace/applyEdit.
// Pure (no `vscode` import): the input box comes in as `ask`, so the tests run it under node.

export const EDIT_WITH_INSTRUCTION = 'atelier.editWithInstruction';

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export type Ask = (options: { prompt: string; placeHolder: string }) => PromiseLike<string | undefined>;
export type Next = (command: string, args: unknown[]) => unknown;

/** The {uri, range, instruction} a call of the command holds: one object (as the code action
 * sends it) or the positional [uri, range, instruction?]. */
export function editTarget(args: unknown[]): { uri: string; range: Range; instruction: string } | undefined {
  if (args.length === 1 && typeof args[0] === 'object' && args[0] !== null) {
    const data = args[0] as { uri?: unknown; range?: unknown; instruction?: unknown };
    if (typeof data.uri === 'string' && data.range) {
      return { uri: data.uri, range: data.range as Range, instruction: typeof data.instruction === 'string' ? data.instruction : '' };
    }
  } else if (args.length >= 2 && typeof args[0] === 'string') {
    return { uri: args[0], range: args[1] as Range, instruction: typeof args[2] === 'string' ? args[2] : '' };
  }
  return undefined;
}

/** middleware.executeCommand: every other command passes through unchanged; an edit without
 * an instruction asks for one (dismissed or blank: nothing is sent). */
export function executeWithInstruction(ask: Ask) {
  return async (command: string, args: unknown[], next: Next): Promise<unknown> => {
    const target = command === EDIT_WITH_INSTRUCTION ? editTarget(args) : undefined;
    if (!target || target.instruction.trim() !== '') {
      return next(command, args);
    }
    const instruction = await ask({
      prompt: 'Atelier: how should the selection change?',
      placeHolder: 'e.g. "use a dict comprehension", "add type hints", "handle an empty list"',
    });
    if (instruction === undefined || instruction.trim() === '') {
      return undefined;
    }
    return next(command, [target.uri, target.range, instruction.trim()]);
  };
}
