// Refreshes the golden signals of /observabilite every 5 seconds from /observabilite.json.
(function () {
  "use strict";
  function refresh() {
    fetch("/observabilite.json", { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        document.getElementById("signals-window").textContent = data.window;
        data.values.forEach(function (entry) {
          var cell = document.querySelector('[data-signal="' + entry[0] + '"]');
          if (cell) { cell.textContent = entry[2]; }
        });
      })
      .catch(function () { /* the next tick tries again */ });
  }
  setInterval(refresh, 5000);
})();
