/**
 * A lexer for the SQL text of a query, in SQLite's or PostgreSQL's dialect. It never decides
 * what a statement may do (the engine does: read-only connections, a read-only transaction,
 * the statement's own flags); it only finds things in the text: the named parameters
 * (`:min_total`), where one statement ends and another begins, and the token at an error's
 * position. Strings, quoted identifiers and comments are skipped, so a `:name` or a `;` inside
 * them is never taken for one.
 *
 * Offsets are UTF-16 code units into the text, as JavaScript indexes strings.
 */

export type Dialect = 'sqlite' | 'postgres';

export type TokenKind =
  /** A keyword or a bare identifier. */
  | 'word'
  /** "quoted", `quoted` or [quoted] (SQLite) identifier. */
  | 'quoted'
  /** 'text', E'text', X'blob', $tag$text$tag$ (PostgreSQL). */
  | 'string'
  | 'number'
  /** `:name`, the one parameter syntax SQL tools and ctx.sql take. */
  | 'param'
  /** `?`, `?1`, `@name`, `$name` (SQLite) or `$1` (PostgreSQL): refused, with where. */
  | 'other_param'
  | 'punct'
  | 'comment'
  | 'space'
  /** An unterminated string, quoted identifier or comment: it runs to the end of the text. */
  | 'unterminated';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset of the first character. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;

/** Every token of `text`, spaces and comments included, in order; their texts join to `text`. */
export function tokenize(text: string, dialect: Dialect): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number) => {
    tokens.push({ kind, text: text.slice(i, end), start: i, end });
    i = end;
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1] ?? '';
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      push('space', j);
    } else if (c === '-' && next === '-') {
      const newline = text.indexOf('\n', i);
      push('comment', newline < 0 ? text.length : newline);
    } else if (c === '/' && next === '*') {
      const end = blockCommentEnd(text, i, dialect === 'postgres');
      push(end < 0 ? 'unterminated' : 'comment', end < 0 ? text.length : end);
    } else if (c === "'") {
      const end = quotedEnd(text, i + 1, "'", dialect === 'postgres' && backslashEscapes(text, i));
      push(end < 0 ? 'unterminated' : 'string', end < 0 ? text.length : end);
    } else if (c === '"' || (c === '`' && dialect === 'sqlite')) {
      const end = quotedEnd(text, i + 1, c, false);
      push(end < 0 ? 'unterminated' : 'quoted', end < 0 ? text.length : end);
    } else if (c === '[' && dialect === 'sqlite') {
      const close = text.indexOf(']', i + 1);
      push(close < 0 ? 'unterminated' : 'quoted', close < 0 ? text.length : close + 1);
    } else if (c === '$' && dialect === 'postgres' && !DIGIT.test(next)) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 66));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        push(close < 0 ? 'unterminated' : 'string', close < 0 ? text.length : close + tag[0].length);
      } else {
        push('punct', i + 1);
      }
    } else if (c === '$' && dialect === 'postgres') {
      let j = i + 1;
      while (j < text.length && DIGIT.test(text[j]!)) j++;
      push('other_param', j);
    } else if ((c === '$' || c === '@') && dialect === 'sqlite' && WORD_START.test(next)) {
      push('other_param', wordEnd(text, i + 1));
    } else if (c === '?' && dialect === 'sqlite') {
      let j = i + 1;
      while (j < text.length && DIGIT.test(text[j]!)) j++;
      push('other_param', j);
    } else if (c === ':' && next === ':') {
      push('punct', i + 2);
    } else if (c === ':' && WORD_START.test(next) && next !== '$') {
      push('param', wordEnd(text, i + 1));
    } else if (DIGIT.test(c) || (c === '.' && DIGIT.test(next))) {
      push('number', numberEnd(text, i));
    } else if ((c === 'x' || c === 'X' || ((c === 'e' || c === 'E') && dialect === 'postgres')) && next === "'") {
      const end = quotedEnd(text, i + 2, "'", c === 'e' || c === 'E');
      push(end < 0 ? 'unterminated' : 'string', end < 0 ? text.length : end);
    } else if (WORD_START.test(c)) {
      push('word', wordEnd(text, i));
    } else {
      push('punct', i + 1);
    }
  }
  return tokens;
}

/** The tokens that mean something: no spaces, no comments. */
export function significant(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
}

function wordEnd(text: string, from: number): number {
  let j = from;
  while (j < text.length && WORD_PART.test(text[j]!)) j++;
  return j;
}

function numberEnd(text: string, from: number): number {
  const match = /^(?:0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+(?:[eE][+-]?[0-9]+)?|[0-9_]+\.)/.exec(text.slice(from, from + 400));
  return from + Math.max(1, match?.[0].length ?? 1);
}

/** Offset past the closing quote (a doubled quote is one character), or -1 when there is none. */
function quotedEnd(text: string, from: number, quote: string, backslash: boolean): number {
  let j = from;
  while (j < text.length) {
    const c = text[j]!;
    if (backslash && c === '\\') {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (text[j + 1] === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return -1;
}

/** PostgreSQL's E'...' strings take backslash escapes; a plain '...' after E is one. */
function backslashEscapes(text: string, quoteAt: number): boolean {
  const before = text[quoteAt - 1];
  return (before === 'e' || before === 'E') && !WORD_PART.test(text[quoteAt - 2] ?? ' ');
}

/** PostgreSQL nests block comments; SQLite does not. -1 when the comment is not closed. */
function blockCommentEnd(text: string, from: number, nested: boolean): number {
  let depth = 0;
  let j = from;
  while (j < text.length) {
    if (text[j] === '/' && text[j + 1] === '*') {
      depth = nested ? depth + 1 : 1;
      j += 2;
    } else if (text[j] === '*' && text[j + 1] === '/') {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else {
      j++;
    }
  }
  return -1;
}

/** A 1-based line and column (UTF-16 units) of an offset into `text`. */
export interface TextPosition {
  line: number;
  column: number;
}

export function positionAt(text: string, offset: number): TextPosition {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: clamped - lineStart + 1 };
}

/**
 * The offset of the `n`-th character (1-based, as PostgreSQL counts: code points) of `text`.
 * JavaScript counts UTF-16 units, in which a character outside the BMP is two.
 */
export function offsetOfCharacter(text: string, n: number): number {
  let offset = 0;
  for (let count = 1; count < n && offset < text.length; count++) {
    const code = text.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff && offset + 1 < text.length ? 2 : 1;
  }
  return offset;
}
