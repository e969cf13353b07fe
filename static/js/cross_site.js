// The cross-site page's fetch(): sent with the browser's cookies when its
// rules allow (credentials: "include"); "no-cors" because the point is what
// the lab receives, not reading its answer.
(function () {
  "use strict";
  var button = document.querySelector("[data-probe-url]");
  if (!button) {
    return;
  }
  button.addEventListener("click", function () {
    fetch(button.getAttribute("data-probe-url"), { credentials: "include", mode: "no-cors" })
      .then(function () {
        document.getElementById("fetch-status").textContent = button.getAttribute("data-done-text");
      });
  });
})();
