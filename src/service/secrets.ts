import { placeholderFor } from '../capabilities/egress/secrets.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

/**
 * The values of the host's secrets (config `secrets`), read once from the server's environment
 * when the engine starts. They live in the server process only: a call gets placeholders
 * (ctx.secret), and the egress substitutes a value on requests to its hosts (issue 14).
 */
export interface SecretValues {
  /** The secrets a tool declared that the host has a value for, with the hosts each may go to. */
  forTool(declared: readonly string[]): ReadonlyMap<string, { value: string; hosts: readonly string[] }>;
  /** A secret's value for the server's own use (an upstream's env or headers), never a tool's. */
  value(name: string): string | undefined;
  /** `[name, placeholder]` for each declared secret: what ctx.secret(name) returns. */
  placeholders(declared: readonly string[]): Array<[string, string]>;
}

export function loadSecretValues(secrets: Config['secrets'], env: Readonly<Record<string, string | undefined>>, logger: Logger): SecretValues {
  const values = new Map<string, { value: string; hosts: readonly string[] }>();
  for (const [name, { env: variable, hosts }] of Object.entries(secrets)) {
    const value = env[variable];
    if (value === undefined || value === '') {
      // Named, never shown: the log says which variable to set, not what it holds.
      logger.warn(`secret ${name}: the environment variable ${variable} is not set; requests of tools that use it are refused until it is`);
      continue;
    }
    values.set(name, { value, hosts });
  }
  return {
    forTool(declared) {
      const granted = new Map<string, { value: string; hosts: readonly string[] }>();
      for (const name of declared) {
        const secret = values.get(name);
        if (secret) granted.set(name, secret);
      }
      return granted;
    },
    value: (name) => values.get(name)?.value,
    placeholders: (declared) => declared.map((name) => [name, placeholderFor(name)]),
  };
}
