/**
 * A time filter as people write it: an ISO 8601 instant, or an age (`30s`, `15m`, `2h`, `7d`)
 * counted back from now. One parser for `chameleon logs --since` and list_executions' `since`,
 * so that the CLI and an agent over MCP accept the same values.
 */

const AGE_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** How `since` may be written; said in every refusal and in the option's help. */
export const SINCE_FORMS = 'an ISO 8601 time such as 2026-11-30T12:00:00Z, or an age such as 30s, 15m, 2h, 7d';

/** The instant `value` names, as ISO 8601 UTC with milliseconds; null when it names none. */
export function parseSince(value: string, nowMs: number): string | null {
  const age = /^(\d+)\s*([smhd])$/i.exec(value.trim());
  if (age) {
    const ms = nowMs - Number(age[1]) * AGE_UNITS[age[2]!.toLowerCase()]!;
    // An age so large it leaves the Date range (`99999999999d`) is no instant either.
    return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
