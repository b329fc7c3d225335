import { describe, expect, it } from 'vitest';
import { offsetOfName } from '../../../src/datasources/locate.js';
import { offsetOfCharacter, positionAt, tokenize } from '../../../src/datasources/sql-text.js';
import { analyseStatement, positionalText, type Statement } from '../../../src/datasources/statement.js';

const analysed = (text: string, dialect: 'sqlite' | 'postgres' = 'sqlite'): Statement => {
  const out = analyseStatement(text, dialect);
  if ('problem' in out) throw new Error(out.problem.message);
  return out;
};
const problem = (text: string, dialect: 'sqlite' | 'postgres' = 'sqlite') => {
  const out = analyseStatement(text, dialect);
  return 'problem' in out ? out.problem : null;
};

describe('analyseStatement()', () => {
  it.each([
    ['SELECT * FROM t WHERE a = :a AND b > :b OR a = :a', 'sqlite', ['a', 'b']],
    ["SELECT ':not_me', \"col:x\", `q:y` FROM t WHERE a = :yes -- :comment\n", 'sqlite', ['yes']],
    ['SELECT /* :c */ x::int, y FROM t WHERE z = :z', 'postgres', ['z']],
    ["SELECT $$ :in_dollars $$, $tag$ ; :x $tag$ WHERE a = :a", 'postgres', ['a']],
    ["SELECT E'it\\'s :not' WHERE a = :a", 'postgres', ['a']],
    ['SELECT /* outer /* nested :n */ still comment :m */ :real', 'postgres', ['real']],
    ['SELECT [weird:col] FROM t WHERE v = :v', 'sqlite', ['v']],
  ] as const)('finds the named parameters of %s', (text, dialect, names) => {
    expect(analysed(text, dialect).names).toEqual(names);
  });

  it('drops a final semicolon and what follows it, and refuses a second statement where it starts', () => {
    const one = analysed('SELECT 1 ; -- done\n');
    expect(one.text.slice(0, one.end)).toBe('SELECT 1 ');
    expect(problem('SELECT 1;\n  DELETE FROM t')).toMatchObject({ message: expect.stringContaining('more than one statement'), offset: 12 });
    // A semicolon inside a string or a comment is not an end.
    expect(analysed("SELECT ';' /* ; */ AS x").end).toBe(23);
  });

  it('refuses other parameter syntaxes, at them', () => {
    expect(problem('SELECT * FROM t WHERE a = ? AND b = 2')).toMatchObject({ offset: 26, message: expect.stringContaining('named, as :name') });
    expect(problem('SELECT @a')).toMatchObject({ offset: 7 });
    expect(problem('SELECT $a')).toMatchObject({ offset: 7 });
    expect(problem('SELECT * FROM t WHERE a = $1', 'postgres')).toMatchObject({ offset: 26 });
  });

  it('refuses an empty query', () => {
    expect(problem('  -- nothing\n')).toMatchObject({ message: expect.stringContaining('empty') });
  });
});

describe('positionalText()', () => {
  it('numbers each name once, and maps offsets back to the text as written', () => {
    const s = analysed('SELECT :long_name, :b, :long_name FROM t', 'postgres');
    const { text, originalOffset } = positionalText(s);
    expect(text).toBe('SELECT $1, $2, $1 FROM t');
    expect(originalOffset(text.indexOf('FROM'))).toBe(s.text.indexOf('FROM'));
    expect(originalOffset(text.indexOf('$2'))).toBe(s.text.indexOf(':b'));
    expect(originalOffset(text.indexOf('$2') + 1)).toBe(s.text.indexOf(':b'));
  });
});

describe('positions', () => {
  it('gives 1-based lines and columns, and counts PostgreSQL characters as code points', () => {
    expect(positionAt('a\nbc\ndef', 6)).toEqual({ line: 3, column: 2 });
    // '😀' is one character to PostgreSQL, two UTF-16 units to JavaScript.
    expect(offsetOfCharacter('😀 x', 3)).toBe(3);
  });

  it('finds a qualified or quoted name at its first use', () => {
    const tokens = tokenize('SELECT "O".idd, x FROM orders "O" WHERE o.idd > 1', 'sqlite');
    expect(offsetOfName('o.idd', tokens)).toBe(7);
    expect(offsetOfName('x', tokens)).toBe(16);
    expect(offsetOfName('nothere', tokens)).toBeUndefined();
  });

  it('joins its tokens back into the text, whatever the text', () => {
    for (const text of ["SELECT 'unterminated", 'SELECT /* open', 'a::b:c$1?@x$$y', "x'ab' X'00' e'\\''"]) {
      for (const dialect of ['sqlite', 'postgres'] as const) expect(tokenize(text, dialect).map((t) => t.text).join('')).toBe(text);
    }
  });
});
