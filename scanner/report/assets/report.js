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
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
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
    rows.slice().sort(function (a, b) {
      var ka = keyOf(a, name, numeric);
      var kb = keyOf(b, name, numeric);
      if (ka === null || kb === null) {
        if (ka !== kb) { return ka === null ? 1 : -1; }
      } else if (ka < kb) { return -sign; } else if (ka > kb) { return sign; }
      return Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index"));
    }).forEach(function (row) { body.appendChild(row); });
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
        var visible = shown[lane.getAttribute("data-fingerprint")] === true;
        lane.classList.toggle("dimmed", !visible);
      });
      if (count) { count.textContent = total + " of " + rows.length + " findings shown"; }
    });
  }
})();
