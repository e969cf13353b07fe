// The instructor's dashboard refreshes its grid every few seconds. htmx gives
// the keyboard focus back to an element with the same id; this keeps the
// grid's own scroll position, which a swap would otherwise reset to the start.
(function () {
  "use strict";
  var kept = {};

  document.addEventListener("htmx:beforeSwap", function () {
    document.querySelectorAll("[data-keep-scroll]").forEach(function (element) {
      kept[element.id] = [element.scrollLeft, element.scrollTop];
    });
  });

  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("[data-keep-scroll]").forEach(function (element) {
      var position = kept[element.id];
      if (position) {
        element.scrollLeft = position[0];
        element.scrollTop = position[1];
      }
    });
  });
})();
