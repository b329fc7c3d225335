/**
 * Adding and removing a tenant in the JSON of a config file, keeping every other key as it
 * was. Pure: the caller reads and writes the file (cli/tenants-run.ts) and checks the result
 * with parseConfig, so that a file the server would refuse is never written.
 */
import { AppError } from '../errors.js';
import { NAME_PATTERN } from '../model.js';

type Json = Record<string, unknown>;

function tenantsOf(file: Json): Json {
  const tenants = file['tenants'];
  if (tenants === undefined) return {};
  if (tenants === null || typeof tenants !== 'object' || Array.isArray(tenants)) throw new AppError('INVALID_CONFIG', 'The config file\'s `tenants` is not an object: fix it by hand first.');
  return tenants as Json;
}

/** The file with tenant `name` added (its token only as `tokenSha256`). */
export function withTenant(file: Json, name: string, entry: { tokenSha256: string; persona?: string | undefined }): Json {
  if (!NAME_PATTERN.test(name)) throw new AppError('INVALID_NAME', `Tenant name ${JSON.stringify(name)} is not valid: it must match ^[a-z][a-z0-9_]{0,63}$.`);
  const tenants = tenantsOf(file);
  if (Object.hasOwn(tenants, name)) {
    throw new AppError('INVALID_ARGUMENT', `Tenant ${name} already exists. To give it a new token, run \`chameleon tenants remove ${name}\` then \`chameleon tenants add ${name}\` again (its quotas are then the defaults).`);
  }
  return { ...file, tenants: { ...tenants, [name]: { tokenSha256: entry.tokenSha256, ...(entry.persona === undefined ? {} : { persona: entry.persona }) } } };
}

/** The file without tenant `name`. */
export function withoutTenant(file: Json, name: string): Json {
  const tenants = tenantsOf(file);
  if (!Object.hasOwn(tenants, name)) {
    const names = Object.keys(tenants);
    throw new AppError('INVALID_ARGUMENT', `No tenant ${JSON.stringify(name)} in the config file; its tenants are: ${names.length === 0 ? '(none)' : names.join(', ')}.`);
  }
  const rest = Object.fromEntries(Object.entries(tenants).filter(([key]) => key !== name));
  return { ...file, tenants: rest };
}
