(function () {
  "use strict";
  // Filters and sorting for the refcheck report: no libraries, no network.
  var table = document.getElementById("sources");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var statusFilter = document.getElementById("filter-status");
  var documentFilter = document.getElementById("filter-document");
  var textFilter = document.getElementById("filter-text");
  var shown = document.getElementById("shown-count");
  var noRows = document.getElementById("no-rows");

  function matchesStatus(row, value) {
    if (value === "all") { return true; }
    if (value === "attention") { return row.getAttribute("data-attention") === "1"; }
    if (value === "dead") { return row.getAttribute("data-dead") === "1"; }
    return "status:" + row.getAttribute("data-status") === value;
  }

  function applyFilters() {
    var status = statusFilter.value;
    var doc = documentFilter.value;
    var text = textFilter.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var visible = matchesStatus(row, status) &&
        (doc === "" || row.getAttribute("data-documents").split("\n").indexOf(doc) !== -1) &&
        (text === "" || row.textContent.toLowerCase().indexOf(text) !== -1);
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " rows shown";
    noRows.hidden = count !== 0;
  }

  function sortValue(row, column) {
    var cell = row.cells[column];
    var value = cell.getAttribute("data-sort");
    return (value === null ? cell.textContent : value).trim().toLowerCase();
  }

  function sortBy(column, header) {
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.setAttribute("aria-sort", "none");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var order = rows.map(function (row, index) { return [sortValue(row, column), index, row]; });
    order.sort(function (a, b) {
      var c = a[0].localeCompare(b[0], undefined, { numeric: true });
      return (ascending ? c : -c) || a[1] - b[1];
    });
    order.forEach(function (item) { body.appendChild(item[2]); });
  }

  Array.prototype.forEach.call(table.tHead.querySelectorAll("button[data-column]"), function (button) {
    button.addEventListener("click", function () {
      sortBy(Number(button.getAttribute("data-column")), button.parentElement);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("button[data-filter]"), function (button) {
    button.addEventListener("click", function () {
      statusFilter.value = button.getAttribute("data-filter");
      applyFilters();
      table.scrollIntoView();
    });
  });
  [statusFilter, documentFilter].forEach(function (el) { el.addEventListener("change", applyFilters); });
  textFilter.addEventListener("input", applyFilters);
  document.querySelector("form.filters").addEventListener("submit", function (event) { event.preventDefault(); });
  applyFilters();
})();
