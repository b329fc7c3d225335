/** 10485760 -> `10,485,760`: figures in messages people and agents read (no locale: the same text everywhere). */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
