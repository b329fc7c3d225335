/**
 * SQL tools (issue 16): a version whose source is one read-only statement with named
 * parameters (`:min_total`), run on a datasource of the host's. At create and update the
 * statement is prepared against the datasource, so a syntax error, an unknown table or
 * column, or a statement that is not a read-only query is refused then, located in the text,
 * and nothing is saved. Its input_schema is derived from the parameters unless the agent gives
 * one (which must then name every parameter).
 */
import { analyseStatement, type Datasource, type Description, type Statement } from '../datasources/index.js';
import { offsetOfName } from '../datasources/locate.js';
import { AppError } from '../errors.js';
import type { Capabilities, Failure, VersionSnapshot } from '../model.js';
import type { ServiceDeps } from './deps.js';
import { sqlErrorFailure, textProblemFailure } from './sql-failures.js';

/** The least time a statement's check at create or update gets. */
const DESCRIBE_TIMEOUT_MS = 10_000;

/** Marks a schema Chameleon derived from a statement (`$comment` is a keyword every validator ignores). */
export const DERIVED_SCHEMA_COMMENT = 'Derived by Chameleon from the named parameters of the query.';

/** The datasource a SQL tool names: configured on this server, or refused with what it has. */
export function sqlDatasource(deps: Pick<ServiceDeps, 'datasources'>, name: unknown): Datasource {
  const names = deps.datasources.names();
  if (typeof name !== 'string' || name === '') {
    throw new AppError('INVALID_ARGUMENT', `A SQL tool needs a datasource: the name of a database this server has (${names.length === 0 ? 'it has none: the host must add one under datasources in its config, or serve with --datasource name=file.db' : names.join(', ')}).`);
  }
  const source = deps.datasources.get(name);
  if (source === undefined) {
    throw new AppError('INVALID_ARGUMENT', `datasource ${JSON.stringify(name.slice(0, 64))} is not a datasource of this server (${names.length === 0 ? 'it has none: the host must add one under datasources in its config, or serve with --datasource name=file.db' : `it has: ${names.join(', ')}`}).`);
  }
  return source;
}

/** Refuses what a SQL tool cannot have: capabilities are for code (ctx.fetch, ctx.kv, ...). */
export function assertSqlToolShape(capabilities: Capabilities): void {
  if (Object.keys(capabilities).length > 0) {
    throw new AppError('INVALID_ARGUMENT', 'A SQL tool has no capabilities: it runs its one query on its datasource. Leave capabilities out, or write a code tool that uses ctx.sql.');
  }
}

type SqlDraft = Omit<VersionSnapshot, 'compiledJs' | 'sourceMap'> & { datasource: string };

/**
 * Checks a SQL draft against its datasource. `deriveSchema`: replace the draft's input_schema
 * by one derived from the parameters (else the draft's must name every parameter).
 */
export async function checkSqlDraft(
  deps: ServiceDeps,
  tool: string,
  version: number,
  draft: SqlDraft,
  deriveSchema: boolean,
): Promise<{ ok: true; snapshot: VersionSnapshot } | { ok: false; failure: Failure }> {
  const at = { tool, version };
  const source = sqlDatasource(deps, draft.datasource);
  const statement = analyseStatement(draft.source, source.dialect);
  if ('problem' in statement) return { ok: false, failure: textProblemFailure(statement.problem, draft.source, at) };
  // Preparing takes microseconds; a tool's short timeout_ms is for its calls, not for this.
  const described = await source.describe(statement, Math.max(draft.limits.timeoutMs, DESCRIBE_TIMEOUT_MS));
  if (!described.ok) return { ok: false, failure: sqlErrorFailure(described.error, draft.source, { ...at, operation: 'create' }) };
  const duplicate = duplicateColumn(described.description.columns);
  if (duplicate !== null) {
    const message = `The query returns two columns named ${JSON.stringify(duplicate)}: each row is an object keyed by column name, so give each column its own name with AS.`;
    return { ok: false, failure: textProblemFailure({ message, offset: offsetOfName(duplicate, statement.tokens) ?? 0 }, draft.source, at) };
  }
  let inputSchema = draft.inputSchema;
  if (deriveSchema) {
    inputSchema = deps.validator.checkSchema(derivedSchema(statement, described.description));
  } else {
    const missing = missingParameter(statement, inputSchema);
    if (missing !== null) {
      const message = `input_schema has no property ${JSON.stringify(missing.name)} for the parameter :${missing.name}: add it to input_schema.properties, or leave input_schema out to have it derived from the query.`;
      return { ok: false, failure: textProblemFailure({ message, offset: missing.offset }, draft.source, at) };
    }
  }
  return { ok: true, snapshot: { ...draft, inputSchema, compiledJs: '', sourceMap: '' } };
}

/**
 * Every parameter a property, all required, nothing else. The type is the engine's inference
 * where it makes one (PostgreSQL: from the columns and operators the parameter meets); SQLite
 * infers none, so a parameter there takes any JSON scalar (SQLite compares by value).
 */
export function derivedSchema(statement: Statement, description: Description): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const name of statement.names) {
    const typed = description.parameterTypes?.[name];
    properties[name] = typed
      ? { type: typed.type, description: `Bound to :${name} (PostgreSQL ${typed.engineType}).` }
      : { type: ['string', 'number', 'boolean', 'null'], description: `Bound to :${name}.` };
  }
  return { type: 'object', $comment: DERIVED_SCHEMA_COMMENT, properties, required: [...statement.names], additionalProperties: false };
}

export function isDerivedSchema(schema: Record<string, unknown>): boolean {
  return schema['$comment'] === DERIVED_SCHEMA_COMMENT;
}

function duplicateColumn(columns: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column)) return column;
    seen.add(column);
  }
  return null;
}

function missingParameter(statement: Statement, schema: Record<string, unknown>): { name: string; offset: number } | null {
  const properties = schema['properties'];
  const known = properties !== null && typeof properties === 'object' && !Array.isArray(properties) ? (properties as Record<string, unknown>) : {};
  for (const name of statement.names) {
    if (!Object.hasOwn(known, name)) return { name, offset: statement.tokens.find((t) => t.kind === 'param' && t.text === `:${name}`)?.start ?? 0 };
  }
  return null;
}
