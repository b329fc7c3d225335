// Types of stats.mjs, for the unit tests (the bench itself is plain JavaScript).
export interface Summary {
  median: number;
  p10: number;
  p90: number;
  n: number;
}
export type Metric = 'time' | 'throughput';
export interface Target {
  ratio?: { op: '<=' | '>='; value: number };
  absMs?: number;
  absMb?: number;
  growthPct?: number;
}
export type Status = 'PASS' | 'FAIL' | '-';
export function quantile(values: readonly number[], q: number): number;
export function summarize(values: readonly number[]): Summary;
export function roundOrder<T>(ids: readonly T[], round: number): T[];
export function shuffled<T>(items: readonly T[], seed: number): T[];
export function pairedRatios(variantMs: readonly number[], baselineMs: readonly number[], metric?: Metric): number[];
export function batchFor(perOpMs: number, sampleMs: number, maxBatch?: number): number;
export function evaluateTarget(target: Target | null | undefined, measured: { ratio?: number; absMs?: number; absMb?: number; growthPct?: number }): Status;
export function describeTarget(target: Target | null | undefined): string;
export function formatMs(ms: number): string;
export function formatRatio(r: number): string;
