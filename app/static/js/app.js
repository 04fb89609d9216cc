/* Xuehou: small enhancements on top of server-rendered pages. Everything works without this file. */
(function () {
  "use strict";

  // A form with errors: move focus to its error summary (GOV.UK pattern), on load and after a swap.
  function focusErrors() {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  }
  document.addEventListener("DOMContentLoaded", focusErrors);
  document.addEventListener("htmx:afterSettle", focusErrors);

  // A request that fails (offline, server error): say so in words, keep what is on screen.
  document.addEventListener("htmx:sendError", function (event) { notify(event.detail.elt); });
  document.addEventListener("htmx:responseError", function (event) { notify(event.detail.elt); });

  function notify(elt) {
    var form = elt.closest("form") || elt;
    var note = form.querySelector(".request-failed");
    if (!note) {
      note = document.createElement("p");
      note.className = "notice request-failed";
      note.setAttribute("role", "status");
      note.textContent = document.documentElement.lang === "en"
        ? "Could not load. Check your connection and try again."
        : "没能加载，请检查网络后再试一次。";
      form.appendChild(note);
    }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest("form") || event.detail.elt;
    var note = form.querySelector(".request-failed");
    if (note) note.remove();
  });
})();
