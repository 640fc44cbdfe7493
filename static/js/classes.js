// Keeps a class dashboard current while the class works: every few seconds, while the tab is
// visible, fetches the server-rendered live part and swaps it in. The page works without it.
(function () {
  'use strict';
  var box = document.getElementById('class-live');
  if (!box || !window.fetch) return;
  var url = box.getAttribute('data-live-url');
  var every = 5000;
  var note = /<p class="live-note">[^<]*<\/p>/;
  var last = null;
  var stopped = false;

  function refresh() {
    if (stopped || document.hidden) return;
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) {
        // Signed out meanwhile (the login page came back): stop asking.
        if (!response.ok || response.redirected) { stopped = response.redirected; return null; }
        return response.text();
      })
      .then(function (text) {
        if (text === null) return;
        var changed = text.replace(note, '') !== last;
        var reading = box.contains(document.activeElement);
        if (changed && !reading) {
          last = text.replace(note, '');
          box.innerHTML = text;
        } else {
          var fresh = text.match(note);
          var shown = box.querySelector('.live-note');
          if (fresh && shown) shown.outerHTML = fresh[0];
        }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  setInterval(refresh, every);
  document.addEventListener('visibilitychange', refresh);
})();
