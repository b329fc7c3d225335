/**
 * Config files with tenants for the e2e and security tests: tokens made and hashed as
 * `chameleon tenants add` does, the file holding only the hashes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { newToken, tokenSha256 } from '../../../src/tenants/tokens.js';

export interface TenantSpec {
  persona?: string;
  quotas?: Record<string, number>;
  limits?: Record<string, number>;
}

export function writeTenantConfig(dir: string, tenants: Record<string, TenantSpec>, extra: Record<string, unknown> = {}): { file: string; tokens: Record<string, string> } {
  const tokens: Record<string, string> = {};
  const entries: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(tenants)) {
    tokens[name] = newToken();
    entries[name] = { tokenSha256: tokenSha256(tokens[name]), ...spec };
  }
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...extra, tenants: entries }, null, 2));
  return { file, tokens };
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}
