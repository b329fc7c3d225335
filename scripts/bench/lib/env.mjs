// Facts about the machine and the run, recorded with every result.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** os.loadavg() rounded, with the cpu count beside it so that "load 3" can be read. */
export function load() {
  const [m1, m5, m15] = os.loadavg().map((v) => Math.round(v * 100) / 100);
  return { loadavg1: m1, loadavg5: m5, loadavg15: m15, cpus: os.cpus().length };
}

export function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    totalMemMb: Math.round(os.totalmem() / 2 ** 20),
    execArgv: process.execArgv,
    packages: {
      'isolated-vm': packageVersion('isolated-vm'),
      'better-sqlite3': packageVersion('better-sqlite3'),
      '@modelcontextprotocol/sdk': packageVersion('@modelcontextprotocol/sdk'),
      esbuild: packageVersion('esbuild'),
    },
    git: gitState(),
  };
}

function packageVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

function gitState() {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS); null if unreadable. */
export function rssBytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
