// Lesson pages: a Copy button on every code example. The button's words come
// from the page (data-copy-label, data-copied-label) so they are translated.
(function () {
  "use strict";

  function addCopyButtons(root) {
    var article = root.querySelector ? root.querySelector(".lesson-body") : null;
    if (!article || !navigator.clipboard) {
      return;
    }
    article.querySelectorAll(".highlight").forEach(function (block) {
      if (block.querySelector(".copy-button")) {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = article.getAttribute("data-copy-label");
      button.addEventListener("click", function () {
        var code = block.querySelector("pre").innerText;
        navigator.clipboard.writeText(code).then(function () {
          button.textContent = article.getAttribute("data-copied-label");
          setTimeout(function () {
            button.textContent = article.getAttribute("data-copy-label");
          }, 2000);
        });
      });
      block.appendChild(button);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addCopyButtons(document);
  });
  document.addEventListener("htmx:afterSettle", function () {
    addCopyButtons(document);
  });
})();
