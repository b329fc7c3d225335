/** The login form, shown when a token is configured and the browser has no valid cookie. */
import { html, type SafeHtml } from '../html.js';
import { layout } from './layout.js';

export function loginPage(base: string, scope: string, next: string, failed: boolean): SafeHtml {
  return layout(
    { base, title: 'Log in', section: 'login', scope },
    html`<h1>Log in</h1>
<p>This console is protected by the server's token (the one MCP clients send as <code>Authorization: Bearer</code>).</p>
${failed ? html`<p class="problems" id="login-failed">That token is not the right one.</p>` : ''}
<form method="post" action="${base}/login" class="login">
<input type="hidden" name="next" value="${next}">
<label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button>
</form>`,
  );
}
