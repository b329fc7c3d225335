import fs from 'node:fs';
import { AppError } from '../errors.js';

/**
 * Where the HTTP bearer token comes from. A token in argv can be read by every local user
 * (/proc/PID/cmdline, `ps`): CHAMELEON_TOKEN (readable by the same user and root only, through
 * /proc/PID/environ) or a token file (its mode decides) keep it out of sight. `--token` still
 * works, with a warning.
 */
export interface TokenSources {
  token?: string | undefined;
  /** Commander's source of `token`: 'cli' when it came from argv, 'env' from CHAMELEON_TOKEN. */
  tokenSource?: string | undefined;
  tokenFile?: string | undefined;
}

export const TOKEN_ON_COMMAND_LINE_WARNING =
  '--token on the command line is visible to every local user (ps, /proc/PID/cmdline); set CHAMELEON_TOKEN or use --token-file instead';

/** The token, if any, and a warning to print when it came from argv. */
export function resolveToken(sources: TokenSources): { token: string | undefined; warning: string | null } {
  if (sources.tokenFile !== undefined) {
    if (sources.token !== undefined) {
      throw new AppError('INVALID_CONFIG', 'Give the HTTP token one way: --token-file (or CHAMELEON_TOKEN_FILE), or CHAMELEON_TOKEN, not both.');
    }
    return { token: readTokenFile(sources.tokenFile), warning: null };
  }
  return { token: sources.token, warning: sources.token !== undefined && sources.tokenSource === 'cli' ? TOKEN_ON_COMMAND_LINE_WARNING : null };
}

function readTokenFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('INVALID_CONFIG', `Cannot read the token file ${file}: ${(err as Error).message}.`, { cause: err });
  }
  // Files written by `echo` or editors end with a newline that is not part of the token.
  const token = text.trim();
  if (token === '' || /\s/.test(token)) {
    throw new AppError('INVALID_CONFIG', `The token file ${file} must hold one token: no spaces or line breaks inside, and not empty.`);
  }
  return token;
}
