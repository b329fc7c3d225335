import { AppError } from '../errors.js';
import { NAME_PATTERN } from '../model.js';

/** Built-in meta-tools share the namespace of stored tools, so their names are taken. */
export const RESERVED_TOOL_NAMES: ReadonlySet<string> = new Set([
  'edit_tool',
  'create_tool',
  'update_tool',
  'get_tool',
  'list_tools',
  'rollback_tool',
  'delete_tool',
  'run_tool',
  'get_last_error',
  'list_executions',
  'get_execution',
]);

export function assertToolName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new AppError(
      'INVALID_NAME',
      `Invalid tool name ${JSON.stringify(String(name).slice(0, 80))}: use 1-64 characters, lowercase letters, digits and underscores, starting with a letter (e.g. \`parse_csv\`).`,
    );
  }
}

export function assertNewToolName(name: unknown): asserts name is string {
  assertToolName(name);
  if (RESERVED_TOOL_NAMES.has(name)) {
    throw new AppError('RESERVED_NAME', `The name \`${name}\` belongs to a built-in tool. Pick another name.`);
  }
}

export function assertPersonaName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new AppError('INVALID_CONFIG', `Invalid persona ${JSON.stringify(name.slice(0, 80))}: use lowercase letters, digits and underscores, starting with a letter.`);
  }
}
