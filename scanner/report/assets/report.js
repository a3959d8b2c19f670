(function () {
  "use strict";
  var timeline = document.getElementById("timeline-svg");
  var readout = document.getElementById("timeline-readout");
  if (timeline && readout) {
    var show = function (event) {
      var target = event.target.closest ? event.target.closest("[aria-label]") : null;
      if (target && target !== timeline && timeline.contains(target)) {
        readout.textContent = target.getAttribute("aria-label");
      }
    };
    timeline.addEventListener("focusin", show);
    timeline.addEventListener("mouseover", show);
  }
  // A link to a finding opens its panel: scrolling to a closed <details> shows nothing.
  function openPanel(hash) {
    if (!hash || hash.charAt(0) !== "#") { return; }
    var panel = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (panel && panel.tagName === "DETAILS") { panel.open = true; }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#finding-']") : null;
    if (link) { openPanel(link.getAttribute("href")); }
  });
  window.addEventListener("hashchange", function () { openPanel(window.location.hash); });
  openPanel(window.location.hash);
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (panel) {
      panel.open = true;
      openedForPrint.push(panel);
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (panel) { panel.open = false; });
    openedForPrint = [];
  });
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  // Findings only in test, docs or example files have a tbody of their own: sorting orders
  // the rows within each tbody, so that group stays below the rest.
  var bodies = Array.prototype.slice.call(table.tBodies);
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-index]"));
  var groupRows = Array.prototype.slice.call(table.querySelectorAll("tbody tr.group-row"));
  var lanes = timeline ? Array.prototype.slice.call(timeline.querySelectorAll(".lane")) : [];
  function keyOf(row, name, numeric) {
    var raw = row.getAttribute("data-sort-" + name);
    if (raw === null || raw === "") { return null; }
    return numeric ? parseFloat(raw) : raw.toLowerCase();
  }
  function sortBy(button) {
    var header = button.closest("th");
    var current = header.getAttribute("aria-sort");
    var direction = current === "ascending" ? "descending"
      : current === "descending" ? "ascending"
      : button.getAttribute("data-default-direction");
    var name = button.getAttribute("data-sort-key");
    var numeric = button.getAttribute("data-sort-type") === "number";
    var sign = direction === "ascending" ? 1 : -1;
    table.querySelectorAll("thead th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", direction);
    bodies.forEach(function (body) {
      Array.prototype.slice.call(body.querySelectorAll("tr[data-index]")).sort(function (a, b) {
        var ka = keyOf(a, name, numeric);
        var kb = keyOf(b, name, numeric);
        if (ka === null || kb === null) {
          if (ka !== kb) { return ka === null ? 1 : -1; }
        } else if (ka < kb) { return -sign; } else if (ka > kb) { return sign; }
        return Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index"));
      }).forEach(function (row) { body.appendChild(row); });
    });
  }
  table.querySelectorAll("thead button[data-sort-key]").forEach(function (button) {
    button.addEventListener("click", function () { sortBy(button); });
  });
  var filter = document.getElementById("findings-filter");
  var count = document.getElementById("findings-count");
  if (filter) {
    filter.addEventListener("input", function () {
      var term = filter.value.trim().toLowerCase();
      var shown = Object.create(null);
      var total = 0;
      rows.forEach(function (row) {
        var match = term === "" || (row.getAttribute("data-filter") || "").indexOf(term) !== -1;
        row.hidden = !match;
        if (match) { total += 1; shown[row.getAttribute("data-fingerprint")] = true; }
      });
      lanes.forEach(function (lane) {
        // A shared lane stays lit while any of its secrets is shown.
        var members = (lane.getAttribute("data-fingerprints") || "").split(" ");
        var visible = members.some(function (fp) { return shown[fp] === true; });
        lane.classList.toggle("dimmed", !visible);
      });
      groupRows.forEach(function (groupRow) {
        groupRow.hidden = !groupRow.parentNode.querySelector("tr[data-index]:not([hidden])");
      });
      if (count) { count.textContent = total + " of " + rows.length + " findings shown"; }
    });
  }
})();
