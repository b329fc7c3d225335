import { describe, expect, it } from 'vitest';

import { escapeHtml, href, html, raw } from '../../../src/console/html.js';

describe('html``', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `<script>alert("x")</script>' onmouseover='y`;
    expect(html`<p title="${name}">${name}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y</p>',
    );
  });

  it('keeps SafeHtml as it is, renders arrays item by item and null, undefined and false as nothing', () => {
    const items = ['<a>', html`<b>${'&'}</b>`];
    expect(html`${items}|${null}|${undefined}|${false}|${0}|${raw('<i>ok</i>')}`.text).toBe('&lt;a&gt;<b>&amp;</b>||||0|<i>ok</i>');
  });

  it('shows an object as its JSON, escaped, never as markup', () => {
    expect(html`${{ a: '<b>' }}`.text).toBe('{&quot;a&quot;:&quot;&lt;b&gt;&quot;}');
  });

  it('escapeHtml() escapes the five characters that matter', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('href()', () => {
  it('percent-encodes path segments and query values, so no value can become a scheme or another path', () => {
    expect(href('/ui', ['tools', 'javascript:alert(1)'], { persona: 'a&b', empty: '', none: undefined })).toBe('/ui/tools/javascript%3Aalert(1)?persona=a%26b');
    expect(href('/ui', ['executions', '../../etc'])).toBe('/ui/executions/..%2F..%2Fetc');
  });
});
