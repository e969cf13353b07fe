// The lab page's few lines of JavaScript. Everything else is htmx.
// - Send each lab request to the path the learner picked (/lab/run/ or
//   /lab/shop/run/), so that SESSION_COOKIE_PATH can be seen at work.
// - Show what page JavaScript can read of the cookies (document.cookie), so
//   that HttpOnly is visible.
// - Count Redis TTLs down between requests.
// - Hold a lab request while the settings on screen are not the ones in force.
// - Keep the keyboard focus on the action pressed.
// - Say which exchange the page shows, so that an answer brings only what changed.
(function () {
  "use strict";

  function chosenPath(form) {
    var checked = form.querySelector("input[data-lab-path]:checked");
    return checked ? checked.value : form.getAttribute("action");
  }

  // The exchange the page shows last: when it is the one before this request, the
  // answer brings only what changed (the cards and one new timeline entry).
  function shownExchange() {
    var result = document.getElementById("lab-result");
    return result ? result.getAttribute("data-exchange-id") || "" : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt.closest ? event.detail.elt.closest("#lab-actions") : null;
    if (form) {
      event.detail.path = chosenPath(form);
      event.detail.parameters.shown = shownExchange();
    }
  });

  // A lab request always runs with the saved settings. While the form shows a
  // change not saved yet, or a setting the server refused, a request would
  // quietly use other settings than the ones on screen: hold it and say why.
  function markUnsaved(event) {
    var form = event.target.closest ? event.target.closest("#lab-settings") : null;
    var notice = document.getElementById("lab-settings-unsaved");
    if (form && notice) {
      form.setAttribute("data-unsaved", "true");
      notice.hidden = false;
    }
  }
  document.addEventListener("input", markUnsaved);
  document.addEventListener("change", markUnsaved);

  document.addEventListener("htmx:confirm", function (event) {
    var actions = event.detail.elt.closest ? event.detail.elt.closest("#lab-actions") : null;
    var notice = document.getElementById("lab-actions-blocked");
    var settings = document.getElementById("lab-settings");
    if (!actions || !notice || !settings) {
      return;
    }
    var reason = null;
    if (settings.getAttribute("data-unsaved") === "true") {
      reason = "data-unsaved-text";
    } else if (settings.querySelector(".field--error")) {
      reason = "data-refused-text";
    }
    notice.hidden = !reason;
    if (reason) {
      notice.textContent = notice.getAttribute(reason);
      event.preventDefault();
    }
  });

  // On a phone the settings and the preset's steps start in closed drawers,
  // so the actions come first.
  if (window.matchMedia("(max-width: 63.99rem)").matches) {
    document.querySelectorAll("[data-settings-drawer], [data-preset-drawer]").forEach(function (drawer) {
      drawer.open = false;
    });
  }

  // The action buttons are disabled while their request runs, which takes the
  // keyboard focus away from the one pressed: give it back when the answer is in.
  var pressed = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest ? event.detail.elt.closest("#lab-actions") : null;
    pressed = form && form.contains(document.activeElement) ? document.activeElement : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (pressed && document.body.contains(pressed) && !pressed.disabled) {
      if (document.activeElement === document.body || document.activeElement === null) {
        pressed.focus();
      }
    }
    pressed = null;
  });

  // Without htmx (or before it loads) the plain form posts to the chosen path too.
  document.addEventListener("submit", function (event) {
    if (event.target.id === "lab-actions") {
      event.target.setAttribute("action", chosenPath(event.target));
    }
  }, true);

  // Tell the server what page JavaScript saw after this exchange: only the
  // browser knows, and exercises about HttpOnly need it.
  var reported = {};
  function reportDocumentCookie() {
    var panels = document.getElementById("lab-panels");
    var body = document.body.getAttribute("hx-headers");
    if (!panels || !body) {
      return;
    }
    var exchange = shownExchange();
    if (!exchange || reported[exchange]) {
      return;
    }
    reported[exchange] = true;
    var form = new URLSearchParams({ exchange: exchange, document_cookie: document.cookie });
    fetch(panels.getAttribute("data-observe-url"), {
      method: "POST",
      headers: JSON.parse(body),
      body: form,
      credentials: "same-origin",
    });
  }

  function showDocumentCookie() {
    var output = document.getElementById("document-cookie");
    var verdict = document.getElementById("document-cookie-verdict");
    if (!output) {
      return;
    }
    var name = output.getAttribute("data-cookie-name");
    var cookies = document.cookie;
    output.textContent = cookies ? "document.cookie = " + JSON.stringify(cookies) : "document.cookie = \"\"";
    var visible = cookies.split("; ").some(function (pair) {
      return pair.split("=")[0] === name;
    });
    if (verdict) {
      verdict.textContent = verdict.getAttribute(visible ? "data-visible-text" : "data-hidden-text");
      verdict.setAttribute("data-visible", visible ? "true" : "false");
    }
  }

  function countDown() {
    document.querySelectorAll("[data-ttl]").forEach(function (element) {
      var seconds = parseInt(element.getAttribute("data-ttl"), 10);
      if (seconds > 0) {
        element.setAttribute("data-ttl", String(seconds - 1));
        element.textContent = String(seconds - 1);
      }
    });
  }

  // Each swap of the panels is counted on the element, so that a learner's
  // assistive technology and the browser tests can tell fresh panels apart.
  var swaps = 0;
  document.addEventListener("htmx:afterSettle", function () {
    var panels = document.getElementById("lab-panels");
    if (panels) {
      swaps += 1;
      panels.setAttribute("data-swap-count", String(swaps));
    }
  });

  document.addEventListener("DOMContentLoaded", showDocumentCookie);
  document.addEventListener("htmx:afterSettle", showDocumentCookie);
  document.addEventListener("DOMContentLoaded", reportDocumentCookie);
  document.addEventListener("htmx:afterSettle", reportDocumentCookie);
  setInterval(countDown, 1000);
  showDocumentCookie();
})();
