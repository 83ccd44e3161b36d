/* Maps live in iframes (/maps/...). A click on a region or a case inside one posts a message;
   hand it to Dash through the "map-event" store of the shell, so pages react to map clicks. */
(function () {
  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin) { return; }
    var data = event.data;
    if (!data || data.type !== "hrss-map" || !window.dash_clientside || !window.dash_clientside.set_props) {
      return;
    }
    window.dash_clientside.set_props("map-event", {data: {action: data.action, code: data.code || null,
                                                         id: data.id || null, at: Date.now()}});
  });
})();
