/**
 * The path an audit entry records: query keys kept (they say what was asked), query values
 * removed (they may hold search terms, ids or tokens): `/search?q=&page=`.
 */

/** Longer paths are cut: an audit row is not a place to store a guest's megabyte URL. */
export const MAX_AUDIT_PATH = 512;

export function auditPath(url: URL): string {
  const keys = url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => `${pair.split('=')[0]}=`);
  const path = keys.length > 0 ? `${url.pathname}?${keys.join('&')}` : url.pathname;
  return path.length > MAX_AUDIT_PATH ? `${path.slice(0, MAX_AUDIT_PATH - 1)}…` : path;
}
