/* symact: sort tables marked data-sortable by clicking a header (no library, no network).
   Cells may carry data-sort="..." (numbers sort numerically); headers with data-nosort stay fixed. */
(function () {
  "use strict";
  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null) raw = cell.textContent.trim();
    var n = parseFloat(raw);
    return (raw !== "" && isFinite(n) && /^[-+]?(\d|\.\d)/.test(raw)) ? [0, n, raw] : [1, 0, raw.toLowerCase()];
  }
  function compare(a, b) {
    if (a[0] !== b[0]) return a[0] - b[0];
    if (a[0] === 0) return a[1] - b[1];
    return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
  }
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) { return dir * compare(key(r1.cells[col]), key(r2.cells[col])); });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
  }
  function init() {
    document.querySelectorAll("table[data-sortable]").forEach(function (table) {
      if (!table.tHead || table.dataset.sortableReady) return;
      table.dataset.sortableReady = "1";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
        if (th.hasAttribute("data-nosort")) return;
        th.classList.add("sort-header");
        th.setAttribute("tabindex", "0");
        th.setAttribute("title", "Sort by this column");
        th.addEventListener("click", function () { sortBy(table, col, th); });
        th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(table, col, th); });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
