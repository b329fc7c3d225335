/**
 * `chameleon tools list|show|export|import`: look at a persona's tools and move them, with
 * every version, between databases. The export file round-trips exactly (service/transfer.ts).
 *
 * Wiring (src/cli.ts): `registerTools(program, runtime, (code) => (exitCode = code));`
 *
 * Opens the Store directly (see store-access.ts): no sandbox processes. An import into the
 * database of a running server is seen by its next `tools/list`, but its clients get no
 * `tools/list_changed` for it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';

import { AppError } from '../errors.js';
import { exportTools, importTools, parseExport, serializeExport } from '../service/transfer.js';
import type { Runtime } from './runtime.js';
import { addStoreOptions, withStore, type StoreOptions } from './store-access.js';
import { createPalette, terminalColumns, wantsColour } from './table.js';
import { terminalSafe } from './terminal-text.js';
import { renderToolDetails, renderToolTable, toolRows } from './tool-view.js';

export function registerTools(program: Command, runtime: Runtime, done: (code: number) => void): void {
  // `tools show NAME --version N` must reach the subcommand, not print the CLI's own version:
  // with positional options, program options (--version, --help) count only before a command.
  program.enablePositionalOptions();
  const tools = program.command('tools').description("List, show, export and import a persona's tools (with every version).");
  const palette = () => createPalette(wantsColour(runtime.stdout, runtime.env));
  const print = (text: string) => runtime.stdout.write(`${text}\n`);

  addStoreOptions(tools.command('list').description('List the tools with their active version and the status of their last call.')).action(
    async (opts: StoreOptions) => {
      await withStore(opts, runtime, true, ({ store, persona }) => {
        const rows = toolRows(store, persona);
        if (rows.length === 0) runtime.stderr.write(`Persona ${persona} has no tools.\n`);
        else print(renderToolTable(rows, palette(), terminalColumns(runtime.stdout)));
      });
      done(0);
    },
  );

  addStoreOptions(
    tools
      .command('show')
      .description("Show a tool's metadata, its versions and its source (the active version unless --version).")
      .argument('<name>', 'the tool')
      .option('--version <n>', 'show this version', parseVersion),
  ).action(async (name: string, opts: StoreOptions & { version?: number }) => {
    await withStore(opts, runtime, true, ({ store, persona }) => {
      const tool = store.tools.get(persona, name);
      if (!tool) throw new AppError('TOOL_NOT_FOUND', `No tool named ${terminalSafe(name, { max: 80 })} for persona ${persona}. Run \`chameleon tools list\`.`);
      const version = store.tools.getVersion(persona, name, opts.version ?? tool.activeVersion);
      print(renderToolDetails(version, store.tools.listVersions(persona, name), tool.activeVersion, palette(), terminalColumns(runtime.stdout)));
    });
    done(0);
  });

  addStoreOptions(
    tools
      .command('export')
      .description('Write tools with all their versions (source, compiled JS, source map, hash, origin, timestamps) as JSON.')
      .argument('[names...]', 'only these tools (default: all)')
      .option('--out <file>', 'write to this file instead of stdout'),
  ).action(async (names: string[], opts: StoreOptions & { out?: string }) => {
    const text = await withStore(opts, runtime, true, ({ store, persona }) => {
      const data = exportTools(store, persona, names);
      return { text: serializeExport(data), tools: data.tools.length, versions: data.tools.reduce((n, t) => n + t.versions.length, 0), persona };
    });
    if (opts.out === undefined) {
      runtime.stdout.write(text.text);
    } else {
      writeFileAtomically(path.resolve(opts.out), text.text);
      print(`Exported ${text.tools} tool${text.tools === 1 ? '' : 's'} (${text.versions} version${text.versions === 1 ? '' : 's'}) of persona ${text.persona} to ${opts.out}.`);
    }
    done(0);
  });

  addStoreOptions(
    tools
      .command('import')
      .description('Add the tools of an export file, every version as it was. All or nothing: refuses name clashes and any version whose hash does not match.')
      .argument('<file>', 'a file written by `chameleon tools export` (- for stdin)'),
  ).action(async (file: string, opts: StoreOptions) => {
    const data = parseExport(await readInput(file, runtime));
    const summary = await withStore(opts, runtime, false, ({ store, persona }) => importTools(store, persona, data));
    if (summary.tools.length === 0) print('The file has no tools; nothing was imported.');
    else {
      const list = summary.tools.map((t) => `${t.name} (${t.versions} version${t.versions === 1 ? '' : 's'}, active ${t.activeVersion})`).join(', ');
      print(`Imported ${summary.tools.length} tool${summary.tools.length === 1 ? '' : 's'} into persona ${summary.persona}: ${list}.`);
    }
    done(0);
  });
}

function parseVersion(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('use a version number: 1, 2, 3, ...');
  return n;
}

async function readInput(file: string, runtime: Runtime): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of runtime.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('INVALID_ARGUMENT', `Cannot read ${file}: ${(err as Error).message}.`, { cause: err });
  }
}

/** Temp file + rename: a crash never leaves half an export where the old one was. */
function writeFileAtomically(file: string, text: string): void {
  const temp = `${file}.${randomUUID().slice(0, 8)}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(temp, text, 'utf8');
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw new AppError('INVALID_ARGUMENT', `Cannot write ${file}: ${(err as Error).message}.`, { cause: err });
  }
}
