// The web console's only script (served as /ui/static/console.js; the CSP allows no other).
// Pages work without it; it adds the live rows of the executions page and scrolls an execution
// page to its failing line. Rows arrive as HTML the server rendered and escaped, like the page.
'use strict';

(function () {
  var MAX_ROWS = 500;

  function startLiveRows(tbody) {
    if (typeof EventSource !== 'function') return;
    var status = document.getElementById('live-status');
    var received = 0;
    var source = new EventSource(tbody.getAttribute('data-events'));
    source.addEventListener('rows', function (event) {
      var data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!data || !Array.isArray(data.rows)) return;
      var empty = document.getElementById('no-executions');
      if (empty) empty.remove();
      data.rows.forEach(function (rowHtml) {
        if (typeof rowHtml !== 'string') return;
        var template = document.createElement('template');
        template.innerHTML = rowHtml.trim();
        var row = template.content.firstElementChild;
        if (!row || row.tagName !== 'TR') return;
        row.classList.add('arrived');
        tbody.insertBefore(row, tbody.firstChild);
        received++;
      });
      while (tbody.rows.length > MAX_ROWS) tbody.deleteRow(tbody.rows.length - 1);
      if (status) status.textContent = 'Live: ' + received + ' new call' + (received === 1 ? '' : 's') + ' since the page loaded.';
    });
    source.addEventListener('error', function () {
      if (status && source.readyState === EventSource.CLOSED) status.textContent = 'Live updates stopped; reload the page.';
    });
  }

  function ready() {
    var tbody = document.querySelector('tbody[data-events]');
    if (tbody) startLiveRows(tbody);
    var failing = document.getElementById('failing-line');
    if (failing && failing.scrollIntoView) failing.scrollIntoView({ block: 'center' });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
