/**
 * The headers every console response carries. The CSP allows only the console's own script and
 * stylesheet: no inline script or style, no other origin, no framing, no plugins. It is the
 * second line of defence behind escaping (html.ts): markup that escaping missed still cannot
 * run script, load anything from elsewhere or post a form to another site.
 */
import type { ServerResponse } from 'node:http';

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  // Pages show the log as it is now; a cached page would show it as it was.
  res.setHeader('Cache-Control', 'no-store');
}
