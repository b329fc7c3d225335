import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * A small shop database for SQL tool tests: customers, and orders with totals, dates and a
 * 64-bit column whose values pass 2^53. WAL mode, as a live application's database would be.
 */
export function sampleSqlite(dir: string, name = 'shop.db'): string {
  const file = path.join(dir, name);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), total REAL NOT NULL, placed TEXT NOT NULL, ref INTEGER, note BLOB);
    INSERT INTO customers (id, name, city) VALUES (1, 'Ada', 'London'), (2, 'Grace', 'New York'), (3, 'Linus', 'Helsinki');
  `);
  const insert = db.prepare('INSERT INTO orders (id, customer_id, total, placed, ref, note) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 40; i++) insert.run(i, (i % 3) + 1, i * 2.5, `2026-11-${String((i % 28) + 1).padStart(2, '0')}`, 9007199254740993n + BigInt(i), i === 1 ? Buffer.from([0xde, 0xad]) : null);
  })();
  db.close();
  return file;
}
