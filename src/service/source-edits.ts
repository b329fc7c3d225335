/**
 * Partial edits of a tool's source (issue 17, item 2): `edit_tool` sends the lines it changes,
 * not the whole file. Each edit replaces text that must occur exactly once in the source as
 * the edits before it left it, so an edit can never land somewhere the agent did not mean; when
 * it does not match once, the refusal says where it matched, or how near it came.
 */
import { AppError } from '../errors.js';

export interface SourceEdit {
  oldString: string;
  newString: string;
}

/** Edits one call may make: a patch, not a rewrite (send the code to update_tool for that). */
export const MAX_EDITS = 100;

/** The source with every edit applied in order; refuses (INVALID_ARGUMENT) with what to change. */
export function applyEdits(source: string, edits: readonly SourceEdit[], version: number): string {
  if (edits.length === 0) throw new AppError('INVALID_ARGUMENT', 'edits is empty: give at least one { old_string, new_string }.');
  if (edits.length > MAX_EDITS) throw new AppError('INVALID_ARGUMENT', `edits has ${edits.length} entries; at most ${MAX_EDITS} are applied at once. Send the whole code with update_tool instead.`);
  let text = source;
  edits.forEach((edit, i) => {
    const where = `edits[${i}]`;
    if (edit.oldString === '') throw new AppError('INVALID_ARGUMENT', `${where}.old_string is empty: give the exact text to replace (an insertion replaces the line it goes next to).`);
    const at = occurrences(text, edit.oldString);
    if (at.length === 1) {
      text = text.slice(0, at[0]) + edit.newString + text.slice(at[0]! + edit.oldString.length);
      return;
    }
    const after = i === 0 ? '' : ` (after edits[0..${i - 1}])`;
    if (at.length === 0) throw new AppError('INVALID_ARGUMENT', `${where}.old_string does not occur in the source of version ${version}${after}. ${nearest(text, edit.oldString)}`);
    const lines = at.slice(0, 10).map((offset) => lineOf(text, offset));
    throw new AppError(
      'INVALID_ARGUMENT',
      `${where}.old_string occurs ${at.length} times in the source of version ${version}${after}, at lines ${lines.join(', ')}${at.length > 10 ? ', ...' : ''}: include more of the text around the one to change, so that it occurs once.`,
    );
  });
  return text;
}

function occurrences(text: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(needle); at >= 0 && found.length <= 10; at = text.indexOf(needle, at + 1)) found.push(at);
  return found;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** What the agent can act on when nothing matched: where its first line occurs, if it does. */
function nearest(text: string, needle: string): string {
  const first = needle.split('\n').find((l) => l.trim() !== '')?.trim();
  if (first !== undefined) {
    const lines = text.split('\n');
    const exact = lines.findIndex((l) => l.includes(first));
    if (exact >= 0) return `Its first line occurs at line ${exact + 1}, but what follows differs: copy the text exactly as get_tool shows it, indentation and line breaks included.`;
    const trimmed = lines.findIndex((l) => l.trim() === first.replace(/\s+/g, ' ') || l.replace(/\s+/g, ' ').trim() === first.replace(/\s+/g, ' '));
    if (trimmed >= 0) return `Line ${trimmed + 1} has the same words with other spacing: copy it exactly as get_tool shows it.`;
  }
  return 'Copy the text exactly as get_tool shows it, indentation and line breaks included.';
}
