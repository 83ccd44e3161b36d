/* When the session has expired, Dash's requests answer 401: send the person to the sign-in
   page (and back here afterwards) instead of leaving a page that silently stops updating. */
(function () {
  var originalFetch = window.fetch;
  var redirecting = false;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && !redirecting) {
        redirecting = true;
        var next = window.location.pathname + window.location.search;
        window.location.assign("/login?next=" + encodeURIComponent(next));
      }
      return response;
    });
  };
})();
