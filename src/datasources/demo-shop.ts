/**
 * The small shop database `chameleon demo` makes for its SQL act (issue 16): four customers
 * and eight orders, in a file the demo then serves as a read-only datasource. Here because
 * only this folder and the store open SQLite files.
 */
import Database from 'better-sqlite3';

export function createDemoShop(file: string): void {
  const db = new Database(file);
  try {
    db.exec(`
      CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);
      CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), total REAL NOT NULL, placed TEXT NOT NULL);
      INSERT INTO customers (id, name, city) VALUES (1, 'Ada', 'London'), (2, 'Grace', 'New York'), (3, 'Linus', 'Helsinki'), (4, 'Margaret', 'Boston');
      INSERT INTO orders (id, customer_id, total, placed) VALUES
        (1, 1, 120.00, '2026-10-28'), (2, 1, 80.50, '2026-11-02'), (3, 2, 310.00, '2026-11-03'), (4, 3, 45.25, '2026-11-05'),
        (5, 2, 99.99, '2026-11-07'), (6, 4, 150.00, '2026-11-08'), (7, 1, 60.00, '2026-11-09'), (8, 3, 200.00, '2026-11-10');
    `);
  } finally {
    db.close();
  }
}
