/**
 * What `chameleon tenants add|list|remove` do (declared in tenants.ts). The file is rewritten
 * whole (2-space JSON, other keys kept in their order) through a temporary file and a rename,
 * keeping its mode (a new file is 0600: it decides who may call the server), and only once the
 * result passes the server's own config check.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../config.js';
import { AppError } from '../errors.js';
import { withoutTenant, withTenant } from '../tenants/config-edit.js';
import { personaOf } from '../tenants/schema.js';
import { newToken, tokenSha256 } from '../tenants/tokens.js';
import { readConfigFile } from './config-file.js';
import type { Runtime } from './runtime.js';
import { createPalette, renderTable, terminalColumns, wantsColour } from './table.js';
import type { TenantsAddOptions, TenantsOptions } from './tenants.js';

export function addTenant(name: string, opts: TenantsAddOptions, runtime: Runtime): number {
  const file = configPath(opts);
  const token = newToken();
  const current = fs.existsSync(file) ? readConfigFile(file) : {};
  writeConfig(file, withTenant(current, name, { tokenSha256: tokenSha256(token), persona: opts.persona }));
  // The token on stdout alone, so that `TOKEN=$(chameleon tenants add NAME)` works; it is not
  // kept anywhere, and cannot be shown again.
  runtime.stdout.write(`${token}\n`);
  runtime.stderr.write(`Tenant ${name} (persona ${opts.persona ?? name}) added to ${file}; only the token's SHA-256 is stored. Its token, printed above, is shown this once: give it to the tenant as \`Authorization: Bearer <token>\`. Restart the server to apply.\n`);
  return 0;
}

export function listTenants(opts: TenantsOptions, runtime: Runtime): number {
  const file = configPath(opts);
  const config = parseConfig({ ...readConfigFile(file), dbPath: 'unused' });
  const rows = Object.entries(config.tenants).map(([name, tenant]) => ({ name, tenant }));
  if (rows.length === 0) {
    runtime.stderr.write(`No tenants in ${file}. Add one with \`chameleon tenants add NAME --config ${file}\`.\n`);
    return 0;
  }
  const palette = createPalette(wantsColour(runtime.stdout, runtime.env));
  const width = terminalColumns(runtime.stdout);
  runtime.stdout.write(`${renderTable(COLUMNS, rows, { palette, ...(width === undefined ? {} : { width }) })}\n`);
  return 0;
}

export function removeTenant(name: string, opts: TenantsOptions, runtime: Runtime): number {
  const file = configPath(opts);
  writeConfig(file, withoutTenant(readConfigFile(file), name));
  runtime.stderr.write(`Tenant ${name} removed from ${file}; its token stops working when the server restarts. Its tools and log stay in the database.\n`);
  return 0;
}

type Row = { name: string; tenant: ReturnType<typeof parseConfig>['tenants'][string] };

const COLUMNS = [
  { header: 'TENANT', value: (r: Row) => r.name, max: 64 },
  { header: 'PERSONA', value: (r: Row) => personaOf(r.name, r.tenant), max: 64 },
  { header: 'TOKEN SHA-256', value: (r: Row) => `${r.tenant.tokenSha256.slice(0, 12)}…`, max: 13 },
  {
    header: 'QUOTAS',
    value: (r: Row) =>
      Object.entries(r.tenant.quotas)
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(' '),
  },
];

function configPath(opts: TenantsOptions): string {
  if (opts.config === undefined || opts.config === '') throw new AppError('INVALID_CONFIG', 'Name the config file: --config FILE (or CHAMELEON_CONFIG), the one `chameleon serve` is given.');
  return path.resolve(opts.config);
}

function writeConfig(file: string, content: Record<string, unknown>): void {
  // The server's own check, with a stand-in for the database path that only the command line gives.
  parseConfig({ ...content, dbPath: 'unused' });
  const mode = fs.existsSync(file) ? fs.statSync(file).mode & 0o777 : 0o600;
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`, { mode });
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw new AppError('INVALID_CONFIG', `Cannot write the config file ${file}: ${(err as Error).message}.`, { cause: err });
  }
}
