// Heater web catalog enhancements. Every page works without this script; it adds live search and copy buttons.
'use strict';
(function () {
  // Copy buttons: shown only when the clipboard can be written; the field stays selectable without.
  function setUpCopy() {
    if (!navigator.clipboard) return;
    document.querySelectorAll('button[data-copy]').forEach(function (button) {
      button.hidden = false;
      button.addEventListener('click', function () {
        var field = document.getElementById(button.getAttribute('data-copy'));
        if (!field) return;
        navigator.clipboard.writeText(field.value).then(function () {
          button.textContent = 'Copied';
          setTimeout(function () { button.textContent = 'Copy'; }, 1500);
        });
      });
    });
  }

  // Live search: the form's GET URL is fetched as the user types and its results region swapped in;
  // the address bar follows, so every state stays a bookmarkable URL.
  function setUpLiveSearch() {
    var form = document.querySelector('form[data-live-search]');
    var results = document.getElementById('results');
    if (!form || !results || !window.fetch || !window.DOMParser) return;
    var timer = null;
    var latest = 0;
    function urlOf() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) { if (value !== '') params.append(key, value); });
      var qs = params.toString();
      return qs === '' ? '/' : '/?' + qs;
    }
    function refresh() {
      var url = urlOf();
      var mine = ++latest;
      fetch(url, { headers: { Accept: 'text/html' }, credentials: 'same-origin' }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (html === null || mine !== latest) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('results');
        if (!fresh) return;
        results.innerHTML = fresh.innerHTML;
        document.title = doc.title;
        history.replaceState(null, '', url);
      });
    }
    form.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 200);
    });
    form.addEventListener('change', function (e) {
      if (e.target && e.target.tagName === 'SELECT') refresh();
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    setUpCopy();
    setUpLiveSearch();
  });
})();
