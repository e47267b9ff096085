// The sale form (/ventes/nouvelle): choosing another store shows its stock; a double click on
// "record" posts the form once.
(function () {
  "use strict";
  var store = document.getElementById("magasin");
  var form = document.getElementById("sale");
  if (!store || !form) { return; }
  store.addEventListener("change", function () {
    if (this.value !== this.dataset.current) { window.location.assign("/ventes/nouvelle?magasin=" + encodeURIComponent(this.value)); }
  });
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.id === "submit-sale") {
      if (this.dataset.sent) { event.preventDefault(); return; }
      this.dataset.sent = "1";
    }
  });
})();
