/**
 * The demo's third act (issue 16): a SQL tool. The scripted agent writes `top_customers`, one
 * read-only query on the shop database the demo made (src/datasources/demo-shop.ts), naming a
 * column the orders table does not have (`amount`; it has `total`). create_tool prepares the
 * query against the database and refuses it, located at that column; the fixed query is saved
 * with a schema derived from its parameters, and answers from the database. Kept apart from the
 * runner so tests can quote it.
 */

export const SQL_TOOL = 'top_customers';
export const SQL_DATASOURCE = 'shop';
export const SQL_DESCRIPTION = 'The customers who spent most since a date, with their order count.';

export const SQL_BUGGY_LINE = 'SELECT c.name, count(*) AS orders, round(sum(o.amount), 2) AS spent';
export const SQL_FIXED_LINE = 'SELECT c.name, count(*) AS orders, round(sum(o.total), 2) AS spent';
export const SQL_BUG_LINE_NUMBER = 1;
/** Where SQLite's "no such column: o.amount" is placed: the column's first use. */
export const SQL_BUG_COLUMN = SQL_BUGGY_LINE.indexOf('o.amount') + 1;

export function sqlSource(first = SQL_BUGGY_LINE): string {
  return [first, 'FROM customers c JOIN orders o ON o.customer_id = c.id', 'WHERE o.placed >= :since', 'GROUP BY c.name', 'ORDER BY spent DESC', 'LIMIT :top'].join('\n');
}

export const SQL_ARGUMENTS = { since: '2026-11-01', top: 3 } as const;

export const SQL_EXPECTED_ROWS = [
  { name: 'Grace', orders: 2, spent: 409.99 },
  { name: 'Linus', orders: 2, spent: 245.25 },
  { name: 'Margaret', orders: 1, spent: 150 },
];
