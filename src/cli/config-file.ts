/**
 * Reading a `--config` file, for `chameleon serve` and for `chameleon tools import` (which holds
 * an import file to the same limits the server would: service/import-policy.ts).
 */
import fs from 'node:fs';

import { AppError } from '../errors.js';

/** The settings of a --config file; parseConfig() checks every key and bound, with its path. */
export function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('INVALID_CONFIG', `Cannot read the config file ${file}: ${(err as Error).message}.`, { cause: err });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the file must hold one JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new AppError('INVALID_CONFIG', `The config file ${file} is not valid: ${(err as Error).message}.`, { cause: err });
  }
}
