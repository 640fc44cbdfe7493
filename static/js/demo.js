// Keeps a class demo current on the projector and on every learner's device: fetches the
// server-rendered live part and swaps it in, often while the run executes, seldom once it is
// over, and never past an hour (a forgotten tab stops asking). A new demo, or a learner's page
// leaving the prediction phase, reloads the page so its form appears or goes. Works without it.
(function () {
  'use strict';
  var box = document.getElementById('demo-live');
  if (!box || !window.fetch) return;
  var url = box.getAttribute('data-live-url');
  var reloadWhen = box.getAttribute('data-reload-when');
  var every = { predicting: 2000, running: 1000, measured: 3000 };
  var quiet = 10000;
  var stopAt = Date.now() + 60 * 60 * 1000;
  var timer = null;

  function stateOf(element) {
    var state = element.querySelector('[data-demo-state]');
    return state
      ? { id: state.getAttribute('data-demo-id'), phase: state.getAttribute('data-demo-phase') }
      : { id: '', phase: 'none' };
  }

  function schedule() {
    clearTimeout(timer);
    if (Date.now() > stopAt) {
      var note = document.createElement('p');
      note.className = 'live-note';
      note.textContent = '한 시간이 지나 자동 새로 고침을 멈췄습니다. 페이지를 새로 고치세요.';
      box.appendChild(note);
      return;
    }
    timer = setTimeout(refresh, every[stateOf(box).phase] || quiet);
  }

  function refresh() {
    if (document.hidden) return schedule();
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) {
        if (!response.ok || response.redirected) return null;
        return response.text();
      })
      .then(function (text) {
        if (text === null) return schedule();
        var fresh = document.createElement('div');
        fresh.innerHTML = text;
        var before = stateOf(box);
        var after = stateOf(fresh);
        var crossed = reloadWhen && (before.phase === reloadWhen) !== (after.phase === reloadWhen);
        if (before.id !== after.id || crossed) {
          location.reload();
          return;
        }
        // Someone pressing a button in it keeps it still until they are done.
        if (box.innerHTML !== text && !box.contains(document.activeElement)) box.innerHTML = text;
        schedule();
      })
      .catch(schedule);
  }

  schedule();
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) refresh();
  });
})();
