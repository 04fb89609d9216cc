/* Xuehou: small enhancements on top of server-rendered pages. Everything works without this file. */
(function () {
  "use strict";

  // A form with errors: move focus to its error summary (GOV.UK pattern), on load and after a swap.
  function focusErrors() {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  }
  document.addEventListener("DOMContentLoaded", focusErrors);

  // After logging in again: take the answers kept from an expired log-in back to their form.
  document.addEventListener("DOMContentLoaded", function () {
    var back = document.querySelector("form[data-autosubmit]");
    if (back) back.submit();
  });
  document.addEventListener("htmx:afterSettle", focusErrors);

  // A request that fails (offline, server error): say so in words, keep what is on screen.
  document.addEventListener("htmx:sendError", function (event) { notify(event.detail.elt, 0); });
  document.addEventListener("htmx:responseError", function (event) {
    notify(event.detail.elt, event.detail.xhr ? event.detail.xhr.status : 0);
  });

  var english = document.documentElement.lang === "en";
  var MESSAGES = {
    0: english ? "Could not reach the server. Check your connection and try again."
               : "没能连上网站，请检查网络后再试一次。",
    400: english ? "This page was open too long. Reload it, then fill in the form again."
                 : "这个页面打开太久了。请刷新页面，再填一次。",
    403: english ? "You are not allowed to do this. Log in again, or ask an administrator."
                 : "没有权限这样做。请重新登录，或者联系管理员。",
    429: english ? "Too many tries. Wait a minute, then try again."
                 : "操作太频繁，请等一分钟再试。",
    500: english ? "Something went wrong on our side. Please try again later."
                 : "网站出了点问题，请稍后再试。"
  };

  function notify(elt, status) {
    var form = elt.closest("form") || elt;
    var note = form.querySelector(".request-failed");
    if (!note) {
      note = document.createElement("p");
      note.className = "notice request-failed";
      note.setAttribute("role", "status");
      form.appendChild(note);
    }
    note.textContent = MESSAGES[status] || MESSAGES[status >= 500 ? 500 : 0];
  }

  // A community worker's phone: entries waiting in the outbox are sent from every page, not only from
  // worker pages (a worker page left the outbox script's address here; nothing is stored for others).
  var outbox = JSON.parse(localStorage.getItem("xuehou-outbox") || "null");
  if (outbox && !document.getElementById("outbox-words") && outbox.src.indexOf(location.origin + "/static/") === 0) {
    var script = document.createElement("script");
    script.src = outbox.src;
    document.head.appendChild(script);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest("form") || event.detail.elt;
    var note = form.querySelector(".request-failed");
    if (note) note.remove();
  });
})();
