// "Logging off" without touching src/: the engine has no switch to stop writing its log row,
// so the bench wraps better-sqlite3's prepare() in this process and, for the statement that
// inserts into `executions`, lets a flag skip the SQLite step. Everything else of a call (the
// row is still built, the call is still awaited the same way) is unchanged, so "on / off" is
// the cost of the SQLite insert and its commit. It must be installed before the engine opens
// its database. `statements` tells whether the wrap found the insert at all: a refactor that
// stops using such a statement makes the figure report that instead of a false 1.00x.
import Database from 'better-sqlite3';

const LOG_INSERT = /^\s*INSERT\s+(OR\s+\w+\s+)?INTO\s+"?executions"?\b/i;

export function installLogSwitch() {
  const state = { off: false, timing: false, statements: 0, skipped: 0, written: 0, insertMs: [] };
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function prepareWithSwitch(sql, ...rest) {
    const statement = prepare.call(this, sql, ...rest);
    if (typeof sql !== 'string' || !LOG_INSERT.test(sql)) return statement;
    state.statements++;
    const run = statement.run;
    statement.run = function runWithSwitch(...args) {
      if (state.off) {
        state.skipped++;
        return { changes: 1, lastInsertRowid: 0 };
      }
      state.written++;
      if (!state.timing) return run.apply(this, args);
      const t0 = performance.now();
      try {
        return run.apply(this, args);
      } finally {
        state.insertMs.push(performance.now() - t0);
      }
    };
    return statement;
  };
  return state;
}
