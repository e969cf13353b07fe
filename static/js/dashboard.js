// The instructor's dashboard. Every few seconds the page asks for what changed; the
// answer swaps single cells and summaries out of band, so scroll and focus stay put.
// When the class itself changes (a join, a removal) the whole grid comes back: then
// this script puts the grid's scroll, the keyboard focus and the chosen order back.
// It also orders and filters the rows, in the browser, as the instructor chooses.
(function () {
  "use strict";
  var kept = {};
  var focusedId = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  }

  function fact(row, prefix, attribute) {
    var element = document.getElementById(prefix + row.getAttribute("data-row"));
    return element ? element.getAttribute(attribute) : null;
  }

  var ORDERS = {
    name: function (a, b) {
      return a.getAttribute("data-name").localeCompare(b.getAttribute("data-name"));
    },
    stuck: function (a, b) {
      return fact(b, "status-", "data-stuck") - fact(a, "status-", "data-stuck") || ORDERS.name(a, b);
    },
    "least-done": function (a, b) {
      return fact(a, "done-", "data-done") - fact(b, "done-", "data-done") || ORDERS.name(a, b);
    },
    recent: function (a, b) {
      return (fact(b, "activity-", "data-at") || "").localeCompare(fact(a, "activity-", "data-at") || "") || ORDERS.name(a, b);
    },
  };

  function arrange() {
    var order = document.getElementById("dashboard-order");
    var show = document.getElementById("dashboard-show");
    if (!order || !show) return;
    var all = rows();
    if (!all.length) return;
    var body = all[0].parentNode;
    all.sort(ORDERS[order.value] || ORDERS.name).forEach(function (row) {
      body.appendChild(row);
    });
    var shown = 0;
    all.forEach(function (row) {
      var visible =
        show.value === "all" ||
        (show.value === "stuck" && fact(row, "status-", "data-stuck") === "1") ||
        (show.value === "not-started" && fact(row, "status-", "data-started") === "0");
      // A row holding the keyboard focus stays until the focus leaves it.
      if (!visible && row.contains(document.activeElement)) visible = true;
      row.hidden = !visible;
      if (visible) shown += 1;
    });
    var status = document.getElementById("dashboard-shown");
    if (status) status.textContent = status.getAttribute("data-template").replace("{shown}", shown).replace("{all}", all.length);
  }

  function choices() {
    var order = document.getElementById("dashboard-order");
    var show = document.getElementById("dashboard-show");
    return order && show ? [order.value, show.value] : null;
  }

  var chosen = null;

  function setUp() {
    var tools = document.querySelector("[data-dashboard-tools]");
    if (!tools) return;
    tools.hidden = false;
    var order = document.getElementById("dashboard-order");
    var show = document.getElementById("dashboard-show");
    if (chosen) {
      order.value = chosen[0];
      show.value = chosen[1];
    }
    order.addEventListener("change", function () {
      chosen = choices();
      arrange();
    });
    show.addEventListener("change", function () {
      chosen = choices();
      arrange();
    });
    arrange();
  }

  function remember() {
    document.querySelectorAll("[data-keep-scroll]").forEach(function (element) {
      kept[element.id] = [element.scrollLeft, element.scrollTop];
    });
    focusedId = document.activeElement && document.activeElement.id ? document.activeElement.id : null;
    chosen = choices() || chosen;
  }

  function restore(event) {
    var target = event.detail && (event.detail.target || event.detail.elt);
    if (!target || target.id !== "dashboard-grid") {
      // Cells and summaries changed: only the filter may need to know.
      var show = document.getElementById("dashboard-show");
      if (show && show.value !== "all") arrange();
      return;
    }
    document.querySelectorAll("[data-keep-scroll]").forEach(function (element) {
      var position = kept[element.id];
      if (position) {
        element.scrollLeft = position[0];
        element.scrollTop = position[1];
      }
    });
    setUp();
    if (focusedId && !document.activeElement.id) {
      var again = document.getElementById(focusedId);
      if (again) again.focus({ preventScroll: true });
    }
  }

  document.addEventListener("htmx:oobBeforeSwap", remember);
  document.addEventListener("htmx:beforeSwap", remember);
  document.addEventListener("htmx:oobAfterSwap", restore);
  document.addEventListener("htmx:afterSwap", restore);
  document.addEventListener("DOMContentLoaded", setUp);
})();
