/**
 * What `chameleon tools list|show|export|import` do (declared in tools.ts, loaded when one runs).
 *
 * Opens the Store directly (see store-access.ts): no sandbox processes. An import into the
 * database of a running server is seen by its next `tools/list`, but its clients get no
 * `tools/list_changed` for it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { parseConfig } from '../config.js';
import { AppError } from '../errors.js';
import { exportTools, importTools, parseExport, serializeExport } from '../service/transfer.js';
import { diffVersions } from '../service/version-diff.js';
import { renderVersionDiff } from './diff-view.js';
import type { Runtime } from './runtime.js';
import { readConfigFile } from './config-file.js';
import { checkPersona, databasePath, withStore, type StoreOptions } from './store-access.js';
import { createPalette, terminalColumns, wantsColour } from './table.js';
import { terminalSafe } from '../terminal-text.js';
import { renderToolDetails, renderToolTable, toolRows } from './tool-view.js';

const palette = (runtime: Runtime) => createPalette(wantsColour(runtime.stdout, runtime.env));
const print = (runtime: Runtime, text: string) => runtime.stdout.write(`${text}\n`);

export async function listTools(opts: StoreOptions, runtime: Runtime): Promise<void> {
  await withStore(opts, runtime, true, async ({ store, persona }) => {
    const rows = await toolRows(store, persona);
    if (rows.length === 0) runtime.stderr.write(`Persona ${persona} has no tools.\n`);
    else print(runtime, renderToolTable(rows, palette(runtime), terminalColumns(runtime.stdout)));
  });
}

export async function showTool(name: string, opts: StoreOptions & { version?: number }, runtime: Runtime): Promise<void> {
  await withStore(opts, runtime, true, async ({ store, persona }) => {
    const tool = await store.tools.get(persona, name);
    if (!tool) throw new AppError('TOOL_NOT_FOUND', `No tool named ${terminalSafe(name, { max: 80 })} for persona ${persona}. Run \`chameleon tools list\`.`);
    const version = await store.tools.getVersion(persona, name, opts.version ?? tool.activeVersion);
    print(runtime, renderToolDetails(version, await store.tools.listVersions(persona, name), tool.activeVersion, palette(runtime), terminalColumns(runtime.stdout)));
  });
}

export async function diffTool(name: string, from: number | undefined, to: number | undefined, opts: StoreOptions, runtime: Runtime): Promise<void> {
  await withStore(opts, runtime, true, async ({ store, persona }) => {
    // One version given: that one against the active one, as `git diff A` compares A with now.
    const diff = await diffVersions(store, persona, name, from, to ?? (from === undefined ? undefined : (await store.tools.get(persona, name))?.activeVersion));
    print(runtime, renderVersionDiff(diff, palette(runtime)));
  });
}

export async function exportToolsTo(names: string[], opts: StoreOptions & { out?: string }, runtime: Runtime): Promise<void> {
  const text = await withStore(opts, runtime, true, async ({ store, persona }) => {
    const data = await exportTools(store, persona, names);
    return { text: serializeExport(data), tools: data.tools.length, versions: data.tools.reduce((n, t) => n + t.versions.length, 0), persona };
  });
  if (opts.out === undefined) {
    runtime.stdout.write(text.text);
  } else {
    writeFileAtomically(path.resolve(opts.out), text.text);
    print(runtime, `Exported ${text.tools} tool${text.tools === 1 ? '' : 's'} (${text.versions} version${text.versions === 1 ? '' : 's'}) of persona ${text.persona} to ${opts.out}.`);
  }
}

export async function importToolsFrom(file: string, opts: StoreOptions & { config?: string }, runtime: Runtime): Promise<void> {
  // The config is checked before the file is read: a typo in it is the first thing to fix.
  const config = parseConfig({ ...readConfigFile(opts.config), dbPath: databasePath(opts, runtime), persona: checkPersona(opts.persona) });
  const data = parseExport(await readInput(file, runtime));
  const summary = await withStore(opts, runtime, false, ({ store, persona }) => importTools(store, persona, data, config), config);
  if (summary.tools.length === 0) print(runtime, 'The file has no tools; nothing was imported.');
  else {
    const list = summary.tools.map((t) => `${t.name} (${t.versions} version${t.versions === 1 ? '' : 's'}, active ${t.activeVersion})`).join(', ');
    print(runtime, `Imported ${summary.tools.length} tool${summary.tools.length === 1 ? '' : 's'} into persona ${summary.persona}: ${list}.`);
    const recompiled = summary.tools.filter((t) => t.recompiled > 0);
    if (recompiled.length > 0) {
      // Not an error: another build's compiler gives other code. But an edited file also shows up here.
      const which = recompiled.map((t) => `${t.name} (${t.recompiled})`).join(', ');
      runtime.stderr.write(`The compiled code in the file differed from this build's for ${which}; the code compiled from the source was stored instead.\n`);
    }
  }
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
