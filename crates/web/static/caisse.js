// The till (/caisse), in the page: a scan (a code and Enter) adds its product without a round
// trip, two letters of a name list suggestions (arrows and Enter pick one), quantities and
// removals recount the total and the stock warnings, and the change due follows what is
// tendered. The form posts the same fields as without script, with the key made when the
// screen opened: a double submit or a retry records the sale once.
(function () {
  "use strict";
  var form = document.getElementById("till");
  if (!form || !window.fetch) { return; }
  var input = document.getElementById("code");
  var list = document.getElementById("suggestions");
  var error = document.getElementById("code-error");
  var body = document.querySelector("#till-lines tbody");
  var template = document.getElementById("line-template");
  var noLine = document.getElementById("no-line");
  var totalOut = document.getElementById("till-total");
  var changeOut = document.getElementById("till-change");
  var tendered = document.getElementById("tendered");
  var tenderedField = document.getElementById("tendered-field");
  var next = parseInt(form.dataset.next, 10) || 1;
  var money = new Intl.NumberFormat(document.documentElement.lang || "fr", { style: "currency", currency: "EUR" });
  var queue = Promise.resolve();
  var shown = [];
  var active = -1;
  var timer = null;
  var LOW = 3;

  function cents(text) { // "12.50" → 1250; anything else → NaN
    var m = /^\s*(\d{1,10})(?:[.,](\d{1,2}))?\s*$/.exec(text || "");
    if (!m) { return NaN; }
    return parseInt(m[1], 10) * 100 + (m[2] ? parseInt((m[2] + "0").slice(0, 2), 10) : 0);
  }
  function say(text) { error.textContent = text || ""; }
  function search(text) {
    var url = form.dataset.search + "?q=" + encodeURIComponent(text);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body && body.message ? body.message : r.statusText); }
        return body;
      });
    });
  }

  function recount() {
    var total = 0;
    var rows = body.querySelectorAll("tr.till-line");
    rows.forEach(function (row) {
      var q = parseInt(row.querySelector("input.qty").value, 10);
      var price = parseInt(row.dataset.price, 10);
      var available = parseInt(row.dataset.available, 10);
      var amount = row.querySelector(".montant");
      var warning = row.querySelector(".warning");
      if (q > 0) {
        total += q * price;
        amount.textContent = money.format(q * price / 100);
        var left = available - q;
        warning.classList.toggle("short", left < 0);
        warning.textContent = left < 0 ? form.dataset.short.replace("{n}", available)
          : left === 0 ? form.dataset.last
          : left < LOW ? form.dataset.low.replace("{n}", left) : "";
      } else {
        amount.textContent = "";
        warning.textContent = "";
      }
    });
    noLine.hidden = rows.length > 0;
    totalOut.textContent = money.format(total / 100);
    var cash = form.querySelector('input[name="paiement.mode"]:checked');
    var isCash = !cash || cash.value === "especes";
    tenderedField.hidden = !isCash;
    if (!isCash) { tendered.value = ""; }
    var given = cents(tendered.value);
    changeOut.textContent = isCash && given >= total && rows.length ? money.format((given - total) / 100) : "";
  }

  function addLine(item) {
    var row = body.querySelector('tr[data-product="' + item.id + '"]');
    if (row) {
      var q = row.querySelector("input.qty");
      q.value = (parseInt(q.value, 10) || 0) + 1;
    } else {
      var index = next++;
      row = template.content.firstElementChild.cloneNode(true);
      row.dataset.product = item.id;
      row.dataset.price = cents(item.prix);
      row.dataset.available = item.disponible;
      var produit = row.querySelector("input.produit");
      produit.name = "produit-" + index;
      produit.value = item.id;
      row.querySelector(".nom").textContent = item.nom;
      row.querySelector(".code").textContent = item.code_barres || item.sku || "";
      row.querySelector(".prix").textContent = money.format(cents(item.prix) / 100);
      var qty = row.querySelector("input.qty");
      qty.name = qty.id = "quantite-" + index;
      qty.setAttribute("aria-label", item.nom);
      row.querySelector(".dispo").textContent = item.disponible;
      row.querySelector("button.remove").value = index;
      body.appendChild(row);
    }
    recount();
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    shown = [];
    active = -1;
  }
  function highlight(i) {
    active = i;
    list.querySelectorAll("li").forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    if (i >= 0) { input.setAttribute("aria-activedescendant", "suggestion-" + i); }
  }
  function pick(item) {
    close();
    say("");
    input.value = "";
    addLine(item);
    input.focus();
  }
  function offer(items, first) {
    close();
    shown = items;
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "suggestion-" + i;
      li.setAttribute("role", "option");
      li.textContent = item.nom + " · " + money.format(cents(item.prix) / 100) + " · " + item.disponible;
      li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(item); });
      list.appendChild(li);
    });
    if (items.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(first ? 0 : -1);
    }
  }

  // Enter: the input's text as a scan (its product at once) or a search (one match is added,
  // several are offered). Scans queue up in order; the input is free for the next one at once.
  function lookUp(text) {
    queue = queue.then(function () {
      return search(text).then(function (items) {
        if (!items.length) { say(form.dataset.nothing.replace("{q}", text)); return; }
        say("");
        if (items[0].code_exact || items.length === 1) { addLine(items[0]); } else { offer(items, true); }
      }, function (e) { say(e.message); });
    });
  }

  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && shown.length) { e.preventDefault(); highlight((active + 1) % shown.length); return; }
    if (e.key === "ArrowUp" && shown.length) { e.preventDefault(); highlight((active + shown.length - 1) % shown.length); return; }
    if (e.key === "Escape") { close(); return; }
    if (e.key !== "Enter") { return; }
    e.preventDefault();
    if (active >= 0 && shown[active]) { pick(shown[active]); return; }
    var text = input.value.trim();
    input.value = "";
    close();
    if (text) { lookUp(text); }
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var text = input.value.trim();
    // Digits alone are a scan on its way: no suggestion per keystroke.
    if (text.length < 2 || /^\d+$/.test(text)) { close(); return; }
    timer = setTimeout(function () {
      search(text).then(function (items) { if (input.value.trim() === text) { offer(items, false); } }, function () { close(); });
    }, 120);
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });

  body.addEventListener("input", recount);
  body.addEventListener("click", function (e) {
    var button = e.target.closest("button.remove");
    if (!button) { return; }
    e.preventDefault();
    button.closest("tr").remove();
    recount();
    input.focus();
  });
  form.addEventListener("change", recount);
  tendered.addEventListener("input", recount);
  recount();
})();
