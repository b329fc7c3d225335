// Types of harness.mjs, for the unit tests (the bench itself is plain JavaScript).
import type { Metric, Status, Summary, Target } from './stats.mjs';

export interface Variant {
  id: string;
  label: string;
  run(batch: number): unknown;
  batch?: number;
  maxBatch?: number;
  target?: Target;
  part?: boolean;
}
export interface Group {
  id: string;
  title: string;
  metric?: Metric;
  baseline: Variant;
  variants: Variant[];
  rounds: number;
  minRounds?: number;
  warmupRounds?: number;
  sampleMs?: number;
  maxMs?: number;
  /** Failed samples after which a variant is dropped (default 3). */
  maxErrors?: number;
  note?: string;
}
export interface VariantResult {
  id: string;
  label: string;
  batch: number | null;
  absMs: Summary;
  part?: true;
  error?: string;
  failedSamples?: number;
  ratio: Summary;
  perRoundMs: number[];
  target: Target | null;
  status: Status | 'ERROR';
}
export interface GroupResult {
  id: string;
  title: string;
  metric: Metric;
  rounds: number;
  elapsedMs: number;
  note: string | null;
  baseline: Omit<VariantResult, 'ratio' | 'target' | 'status'>;
  variants: VariantResult[];
}
export function runGroup(group: Group, options?: { clock?: () => number; log?: (line: string) => void }): Promise<GroupResult>;
