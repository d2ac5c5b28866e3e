/* The coaches' console: sort the engagements table by any column, and filter it by coach and status.
 *
 * No third-party code. The page holds a plain table (so it reads, and prints, without this script): each
 * header holds a button, each cell a `data-sort` value (ISO dates, numbers, text), and each row its coach's
 * key and status as `data-coach` and `data-status`. This script only reorders and hides rows, and it holds no
 * words: what it says (how many rows are shown) is a message of the page's language, in `data-template`.
 */
(function () {
  "use strict";

  function compare(a, b, type) {
    // Empty values (no next session, never measured) always go last, whichever way the column is sorted.
    if (a === "" || b === "") {
      return a === b ? 0 : a === "" ? 1 : -1;
    }
    if (type === "number") {
      return parseFloat(a) - parseFloat(b);
    }
    return a.localeCompare(b, undefined, { sensitivity: "base", numeric: true });
  }

  function setUp(root) {
    var table = root.querySelector("table[data-cb-console]");
    if (!table || table.getAttribute("data-cb-ready")) {
      return;
    }
    table.setAttribute("data-cb-ready", "1");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var coach = root.getElementById("cb-filter-coach");
    var status = root.getElementById("cb-filter-status");
    var count = root.getElementById("cb-console-count");
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);

    function filter() {
      var shown = 0;
      rows.forEach(function (row) {
        var visible =
          (!coach || !coach.value || row.getAttribute("data-coach") === coach.value) &&
          (!status || !status.value || row.getAttribute("data-status") === status.value);
        row.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      if (count) {
        // The page's own words, in its language, with the total already in them: only `{shown}` is ours.
        count.textContent = count.getAttribute("data-template").replace("{shown}", String(shown));
      }
    }

    function sortBy(column) {
      var header = headers[column];
      var type = header.querySelector("button").getAttribute("data-sort");
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (other) {
        other.setAttribute("aria-sort", "none");
      });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var keyed = rows.map(function (row, index) {
        return { row: row, key: row.cells[column].getAttribute("data-sort") || "", index: index };
      });
      keyed.sort(function (a, b) {
        var empty = a.key === "" || b.key === "";
        var order = compare(a.key, b.key, type);
        // The original order breaks ties, so sorting twice the same way gives the same table.
        return (empty || ascending ? order : -order) || a.index - b.index;
      });
      keyed.forEach(function (item) {
        body.appendChild(item.row);
      });
    }

    headers.forEach(function (header, column) {
      var button = header.querySelector("button[data-sort]");
      if (button) {
        button.addEventListener("click", function () {
          sortBy(column);
        });
      }
    });
    [coach, status].forEach(function (select) {
      if (select) {
        select.addEventListener("change", filter);
      }
    });
    filter();
  }

  // Material's instant navigation swaps pages without reloading them; it announces each new page on document$.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () {
      setUp(document);
    });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      setUp(document);
    });
  } else {
    setUp(document);
  }
})();
