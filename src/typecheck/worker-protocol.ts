/** Messages between the server (checker.ts) and the checker's worker thread (worker.ts). */
import type { CheckRequest, TypeDiagnostic } from './types.js';

export interface WorkerRequest {
  id: number;
  request: CheckRequest;
}

export type WorkerAnswer =
  | { id: number; ok: true; diagnostics: TypeDiagnostic[]; total: number; ms: number }
  /** The check threw (a bug of ours, or TypeScript's): the worker keeps serving. */
  | { id: number; ok: false; message: string };

/** Sent once, when TypeScript is loaded. */
export interface WorkerReady {
  ready: true;
  typescript: string;
}
