/**
 * What the text of a query says before any engine sees it: where the statement ends (a final
 * `;` and the comments after it are dropped), its named parameters, and the problems that are
 * plain in the text (a second statement, a parameter in another syntax), each with where.
 * Whether the statement may run, and what it reads, is the engine's to say (sources).
 */
import { significant, tokenize, type Dialect, type Token } from './sql-text.js';

/** A parameter name: a JSON property an agent can write, and the same in every engine. */
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** More would make a schema no agent reads and a bind list no engine wants. */
export const MAX_PARAMETERS = 100;

export interface Statement {
  /** The text as written (positions of errors are offsets into it). */
  text: string;
  dialect: Dialect;
  /** Offset where the statement ends: before a final `;`, or the text's end. */
  end: number;
  /** Every token up to `end`, spaces and comments included. */
  tokens: Token[];
  /** Each distinct parameter name, in order of first appearance. */
  names: string[];
}

/** A problem with the text, at an offset into it. */
export interface TextProblem {
  message: string;
  offset: number;
}

export function analyseStatement(text: string, dialect: Dialect): Statement | { problem: TextProblem } {
  const all = tokenize(text, dialect);
  const meaningful = significant(all);
  if (meaningful.length === 0) return { problem: { message: 'The query is empty: write one SQL statement, e.g. SELECT * FROM orders WHERE total > :min_total.', offset: 0 } };
  let end = text.length;
  const semicolon = meaningful.findIndex((t) => t.kind === 'punct' && t.text === ';');
  if (semicolon >= 0) {
    const after = meaningful[semicolon + 1];
    if (after !== undefined) {
      return { problem: { message: 'The text holds more than one statement: a SQL tool, and each ctx.sql query, is one statement. Remove everything after the first `;`.', offset: after.start } };
    }
    end = meaningful[semicolon]!.start;
  }
  const tokens = all.filter((t) => t.end <= end);
  const names: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'other_param') {
      return { problem: { message: `${JSON.stringify(token.text)}: parameters are named, as :name (e.g. :min_total), and bound from the arguments of the same name.`, offset: token.start } };
    }
    if (token.kind !== 'param') continue;
    const name = token.text.slice(1);
    if (!PARAMETER_NAME.test(name)) {
      return { problem: { message: `${JSON.stringify(token.text)}: a parameter's name is 1-64 ASCII letters, digits and underscores, not starting with a digit.`, offset: token.start } };
    }
    if (!names.includes(name)) names.push(name);
    if (names.length > MAX_PARAMETERS) return { problem: { message: `The query has more than ${MAX_PARAMETERS} distinct parameters.`, offset: token.start } };
  }
  return { text, dialect, end, tokens, names };
}

/**
 * The statement with each `:name` replaced by `$n` (PostgreSQL's positional parameters, n the
 * name's place in `names`), and a map from offsets in the new text back to the original.
 */
export function positionalText(statement: Statement): { text: string; originalOffset: (offset: number) => number } {
  let out = '';
  // [start in out, start in original, length in out] of each piece copied or replaced.
  const pieces: Array<{ at: number; from: number; replaced: boolean }> = [];
  for (const token of statement.tokens) {
    pieces.push({ at: out.length, from: token.start, replaced: token.kind === 'param' });
    out += token.kind === 'param' ? `$${statement.names.indexOf(token.text.slice(1)) + 1}` : token.text;
  }
  return {
    text: out,
    originalOffset(offset) {
      let piece = pieces[0];
      for (const p of pieces) {
        if (p.at > offset) break;
        piece = p;
      }
      if (piece === undefined) return 0;
      // Inside a replaced parameter, the parameter's own start; elsewhere the same distance in.
      return piece.replaced ? piece.from : piece.from + (offset - piece.at);
    },
  };
}

/** The first token that means something: where a refusal of the whole statement points. */
export function firstTokenOffset(statement: Statement): number {
  return significant(statement.tokens)[0]?.start ?? 0;
}
