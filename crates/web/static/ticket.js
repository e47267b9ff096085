// A receipt or a credit note: the "print" button prints the ticket (the print style sheet keeps
// the ticket alone, 80 mm wide). Without script the browser's own print does the same.
(function () {
  "use strict";
  var button = document.getElementById("print-ticket");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
