/** The frame of every page: head (the one script and stylesheet), navigation, main. */
import { html, type SafeHtml } from '../html.js';

export interface LayoutOptions {
  base: string;
  title: string;
  /** Which navigation entry is the current page. */
  section: 'tools' | 'executions' | 'failures' | 'charts' | 'login';
  /** What the console shows, for the header: `persona default` or `all personas`. */
  scope: string;
  /** Set when a login is required: the navigation offers a logout. */
  loggedIn?: boolean;
}

const SECTIONS = [
  ['tools', 'Tools'],
  ['executions', 'Executions'],
  ['failures', 'Failures'],
  ['charts', 'Charts'],
] as const;

export function layout(options: LayoutOptions, body: SafeHtml): SafeHtml {
  const { base } = options;
  const nav = SECTIONS.map(
    ([id, label]) => html`<a href="${base}/${id}"${id === options.section ? html` aria-current="page"` : ''}>${label}</a>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Chameleon</title>
<link rel="stylesheet" href="${base}/static/console.css">
<script src="${base}/static/console.js" defer></script>
</head>
<body data-base="${base}">
<header class="top">
<a class="brand" href="${base}/executions">Chameleon</a>
<nav>${options.section === 'login' ? '' : nav}</nav>
<span class="scope">${options.scope} · read-only</span>
${options.loggedIn ? html`<form method="post" action="${base}/logout" class="logout"><button type="submit">Log out</button></form>` : ''}
</header>
<main>
${body}
</main>
</body>
</html>
`;
}
