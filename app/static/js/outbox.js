/* Xuehou worker outbox: forms filled in with no network are kept in IndexedDB and sent later, once.
 *
 * Loaded on worker pages only. Online, forms post to the server as usual (this file changes nothing).
 * Offline, a `form[data-outbox]` shows a read-back on the phone, then stores the answers with a
 * server-issued submission id and clears the form for the next resident. Items are sent when the
 * network returns, on every page load and on a timer, with backoff. An item is deleted only after
 * the server answered with its receipt; the server answers a replayed submission id with the first
 * result, so a send cut off half-way is simply sent again. Words come from #outbox-words (translated).
 */
(function () {
  "use strict";

  var words = document.getElementById("outbox-words");
  if (!words || !window.indexedDB) return;
  var W = words.dataset;
  var BACKOFF = W.backoff.split(",").map(Number);
  var LOCK_MS = 60000; // a "sending" mark older than this is a send cut off by a crash: send again
  var STORE = "items";
  var POOL = "ids";
  var dbPromise = null;
  var running = null;
  var again = false;
  var timer = null;
  var sentNow = 0;

  // ---- IndexedDB -------------------------------------------------------------------------------
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open("xuehou-outbox", 1);
        open.onupgradeneeded = function () {
          open.result.createObjectStore(STORE, { keyPath: "submission_id" });
          open.result.createObjectStore(POOL, { keyPath: "id" });
        };
        open.onsuccess = function () {
          open.result.onversionchange = function () { open.result.close(); dbPromise = null; };
          resolve(open.result);
        };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }

  // Run `work(store)` in one transaction; resolves with what `work` put in result.value when it completes.
  function tx(name, mode, work) {
    return db().then(function (conn) {
      return new Promise(function (resolve, reject) {
        var t = conn.transaction(name, mode);
        var result = {};
        work(t.objectStore(name), result);
        t.oncomplete = function () { resolve(result.value); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }

  function all() {
    return tx(STORE, "readonly", function (store, result) {
      store.getAll().onsuccess = function (e) {
        result.value = e.target.result.sort(function (a, b) { return a.created_at - b.created_at; });
      };
    });
  }

  function update(id, changes) {
    return tx(STORE, "readwrite", function (store) {
      store.get(id).onsuccess = function (e) {
        var item = e.target.result;
        if (item) store.put(Object.assign(item, changes));
      };
    });
  }

  function remove(id) {
    return tx(STORE, "readwrite", function (store) { store.delete(id); });
  }

  // Claim an item for sending: one transaction, so two tabs (or two triggers) never both send it.
  function claim(id) {
    return tx(STORE, "readwrite", function (store, result) {
      store.get(id).onsuccess = function (e) {
        var item = e.target.result;
        var now = Date.now();
        if (!item || (item.state === "sending" && now - item.locked_at < LOCK_MS)) return;
        item.state = "sending";
        item.locked_at = now;
        store.put(item);
        result.value = item;
      };
    });
  }

  // ---- submission ids: a pool issued by the server while online ----------------------------------
  function addIds(ids) {
    return tx(POOL, "readwrite", function (store) {
      ids.forEach(function (id) { store.put({ id: id }); });
    });
  }

  function takeId() {
    return tx(POOL, "readwrite", function (store, result) {
      store.openCursor().onsuccess = function (e) {
        var cursor = e.target.result;
        if (cursor) { result.value = cursor.value.id; cursor.delete(); }
      };
    }).then(function (id) {
      if (id) return id;
      // The pool ran dry (a long day offline): a random 128-bit id, in the server's format.
      var bytes = crypto.getRandomValues(new Uint8Array(16));
      return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    });
  }

  function poolSize() {
    return tx(POOL, "readonly", function (store, result) {
      store.count().onsuccess = function (e) { result.value = e.target.result; };
    });
  }

  // ---- talking to the server ---------------------------------------------------------------------
  // A fresh CSRF token (and more ids) before every replay. 401: the log-in has lapsed.
  function session() {
    return fetch(W.sessionUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) return { login: true };
        if (!response.ok) throw new Error("server " + response.status);
        return response.json().then(function (data) {
          document.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = data.csrf_token; });
          return addIds(data.submission_ids).then(function () { return data; });
        });
      });
  }

  function reasons(response) {
    return response.text().then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var list = Array.prototype.map.call(page.querySelectorAll(".error-summary li"), function (li) {
        return li.textContent.trim();
      });
      return list.length ? list.join("；") : W.reasonUnknown;
    });
  }

  // One replay. Resolves with what happened: receipt, login, refused (with reason), or retry.
  function send(item, token) {
    var body = new FormData();
    item.fields.forEach(function (pair) { if (pair[0] !== "csrf_token") body.append(pair[0], pair[1]); });
    body.append("csrf_token", token);
    return fetch(item.url, { method: "POST", body: body, credentials: "same-origin", cache: "no-store" }).then(
      function (response) {
        var path = new URL(response.url).pathname;
        if (path.indexOf("/worker/login") === 0 || response.status === 401 || response.status === 403) {
          return { state: "login" };
        }
        if (response.status === 422) {
          return reasons(response).then(function (reason) { return { state: "refused", reason: reason }; });
        }
        if (response.ok && response.redirected) {
          if (response.body) response.body.cancel();
          return { state: "sent" };
        }
        if (response.status === 400) return { state: "retry", reason: W.reasonToken, token: true };
        if (response.ok) return { state: "refused", reason: W.reasonUnknown };
        return { state: "retry", reason: W.reasonServer };
      },
      function () { return { state: "retry", network: true }; }
    );
  }

  function later(item) {
    var attempts = (item.attempts || 0) + 1;
    var wait = BACKOFF[Math.min(attempts - 1, BACKOFF.length - 1)] * 1000;
    return { state: "waiting", attempts: attempts, next_at: Date.now() + wait };
  }

  // Send everything due, one at a time. `now`: ignore the backoff (the network just came back).
  function sync(now) {
    if (running) {
      if (now) again = true; // the network came back during a run: go again straight after
      return running;
    }
    running = all().then(function (items) {
      var t = Date.now();
      var due = items.filter(function (item) {
        if (item.state === "refused") return false;
        if (item.state === "sending") return t - item.locked_at >= LOCK_MS;
        return now || item.state === "login" || !item.next_at || item.next_at <= t;
      });
      if (!due.length) return;
      return session().then(
        function (data) {
          if (data.login) {
            return Promise.all(due.map(function (item) { return update(item.submission_id, { state: "login" }); }));
          }
          return sendAll(due, data.csrf_token);
        },
        function () {
          return Promise.all(due.map(function (item) { return update(item.submission_id, later(item)); }));
        }
      );
    }).catch(function () { /* storage trouble: try again on the next trigger */ })
      .then(function () {
        running = null;
        render();
        if (again) { again = false; return sync(true); }
        schedule();
      });
    return running;
  }

  function sendAll(items, token) {
    var stop = null; // "login" or "later": the rest of this run waits
    return items.reduce(function (chain, item) {
      return chain.then(function () {
        if (stop) return update(item.submission_id, stop === "login" ? { state: "login" } : later(item));
        return claim(item.submission_id).then(function (claimed) {
          if (!claimed) return;
          render();
          return send(claimed, token).then(function (result) {
            if (result.state === "sent") { sentNow += 1; return remove(claimed.submission_id).then(render); }
            if (result.state === "login") { stop = "login"; return update(claimed.submission_id, { state: "login" }); }
            if (result.state === "refused") {
              return update(claimed.submission_id, { state: "refused", last_error: result.reason });
            }
            if (result.network || result.token) stop = "later"; // no point sending the rest now
            return update(claimed.submission_id, Object.assign(later(claimed), { last_error: result.reason || "" }));
          });
        });
      });
    }, Promise.resolve());
  }

  function schedule() {
    clearTimeout(timer);
    all().then(function (items) {
      var next = items.filter(function (i) { return i.state === "waiting" || i.state === "sending"; })
        .map(function (i) { return i.state === "sending" ? i.locked_at + LOCK_MS : i.next_at || 0; });
      if (!next.length || !navigator.onLine) return;
      var wait = Math.max(Math.min.apply(null, next) - Date.now(), 200);
      timer = setTimeout(function () { sync(false); }, wait);
    });
  }

  // ---- what the worker sees ----------------------------------------------------------------------
  function field(item, name) {
    var pair = item.fields.filter(function (p) { return p[0] === name; })[0];
    return pair ? pair[1] : "";
  }

  function masked(phone) {
    var digits = String(phone).replace(/\D/g, "");
    return digits.length >= 11 ? digits.slice(-11, -8) + "****" + digits.slice(-4) : "****";
  }

  function stateWords(item) {
    if (item.state === "refused") return W.stateRefused.replace("{reason}", item.last_error || W.reasonUnknown);
    return W["state" + item.state.charAt(0).toUpperCase() + item.state.slice(1)] || W.stateWaiting;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function render() {
    return all().then(function (items) {
      var count = document.getElementById("outbox-count");
      if (count) count.textContent = W.count.replace("{n}", items.length);
      var network = document.getElementById("outbox-network");
      if (network) network.textContent = navigator.onLine ? "" : W.offline;
      loginPrompt(items.some(function (item) { return item.state === "login"; }));
      var list = document.getElementById("outbox-list");
      if (!list) return;
      var summary = document.getElementById("outbox-summary");
      var parts = [];
      if (sentNow) parts.push(W.sentNow.replace("{n}", sentNow));
      if (!items.length) parts.push(W.empty);
      summary.textContent = parts.join(" ");
      list.textContent = "";
      items.forEach(function (item) {
        var li = el("li", "card");
        li.setAttribute("data-outbox-item", item.submission_id);
        li.setAttribute("data-state", item.state);
        li.appendChild(el("strong", "", field(item, "name")));
        li.appendChild(document.createTextNode(" " + masked(field(item, "phone"))));
        var when = new Date(item.created_at).toLocaleString(document.documentElement.lang);
        li.appendChild(el("p", "muted", W.savedAt.replace("{time}", when)));
        li.appendChild(el("p", "outbox-state", stateWords(item)));
        if (item.state === "refused") li.appendChild(refusedActions(item));
        list.appendChild(li);
      });
      document.getElementById("outbox-send").hidden = !items.some(function (i) { return i.state !== "refused"; });
    });
  }

  // A lapsed log-in: say so on every worker page, with a link back here through the log-in page.
  function loginPrompt(needed) {
    var prompt = document.getElementById("outbox-login");
    var bar = document.querySelector(".outbox-bar");
    if (needed && !prompt && bar) {
      prompt = el("p", "notice");
      prompt.id = "outbox-login";
      prompt.setAttribute("role", "alert");
      prompt.appendChild(document.createTextNode(W.loginNeeded + " "));
      var link = el("a", "", W.loginLink);
      link.href = W.loginUrl;
      prompt.appendChild(link);
      bar.parentNode.insertBefore(prompt, bar.nextSibling);
    } else if (!needed && prompt) {
      prompt.remove();
    }
  }

  // A refused item: open it in the server's form (to fix and send), or delete it on purpose.
  function refusedActions(item) {
    var box = el("div", "readback-actions");
    var open = el("form");
    open.method = "post";
    open.action = item.url;
    item.fields.forEach(function (pair) {
      if (pair[0] === "step") return;
      var input = el("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[0] === "csrf_token" ? (document.querySelector("input[name=csrf_token]") || {}).value || "" : pair[1];
      open.appendChild(input);
    });
    var button = el("button", "button", W.open);
    button.name = "step";
    button.value = "edit";
    open.appendChild(button);
    box.appendChild(open);
    var del = el("button", "button button-secondary", W.delete);
    del.type = "button";
    del.addEventListener("click", function () {
      if (window.confirm(W.deleteConfirm)) remove(item.submission_id).then(render);
    });
    box.appendChild(del);
    return box;
  }

  // ---- offline: read back on the phone, keep, and clear the form -----------------------------------
  function readback(form) {
    var dl = el("dl", "facts readback");
    form.querySelectorAll(".field").forEach(function (box) {
      var question;
      var answers = [];
      var legend = box.querySelector("legend");
      if (legend) {
        question = legend.textContent.trim();
        box.querySelectorAll("input:checked").forEach(function (input) {
          var label = form.querySelector('label[for="' + input.id + '"]');
          answers.push(label ? label.textContent.trim() : input.value);
        });
      } else {
        var control = box.querySelector("input, select, textarea");
        var label = box.querySelector("label");
        if (!control || control.type === "checkbox" || !label) return;
        question = label.textContent.trim();
        var value = control.tagName === "SELECT"
          ? (control.value ? control.options[control.selectedIndex].text : "")
          : control.value.trim();
        if (value && control.name === "id_card") value = value.slice(0, 4) + "**********" + value.slice(-4);
        if (value) answers.push(value);
      }
      if (!answers.length) return;
      dl.appendChild(el("dt", "", question));
      dl.appendChild(el("dd", "", answers.join("、")));
    });
    return dl;
  }

  function clear(form) {
    form.querySelectorAll("input, select, textarea").forEach(function (control) {
      if (control.type === "hidden") return;
      if (control.type === "checkbox" || control.type === "radio") {
        control.checked = control.defaultChecked = false;
      } else if (control.tagName === "SELECT") {
        Array.prototype.forEach.call(control.options, function (o) { o.selected = o.defaultSelected = false; });
        control.selectedIndex = 0;
      } else {
        control.value = control.defaultValue = "";
      }
      control.removeAttribute("aria-invalid");
    });
    form.querySelectorAll(".error-summary, .error-message, .request-failed").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".field-error").forEach(function (node) { node.classList.remove("field-error"); });
  }

  function status(form, text) {
    var note = document.getElementById("outbox-queued");
    if (!note) {
      note = el("p", "notice");
      note.id = "outbox-queued";
      note.setAttribute("role", "status");
      note.tabIndex = -1;
      form.parentNode.insertBefore(note, form);
    }
    note.textContent = text;
    return note;
  }

  // Keep the answers. An entry form gets a fresh id from the pool (the page may be an old kept copy);
  // a server read-back (step=confirm) keeps its own: the server may already have it.
  function queue(form, fields, step) {
    var own = step === "confirm";
    return (own ? Promise.resolve(field({ fields: fields }, "submission_id")) : takeId()).then(function (id) {
      fields = fields.filter(function (p) { return p[0] !== "submission_id" && p[0] !== "step"; });
      fields.push(["submission_id", id], ["step", "confirm"]);
      var item = {
        submission_id: id,
        url: form.getAttribute("action") || location.pathname,
        fields: fields,
        created_at: Date.now(),
        state: "waiting",
        attempts: 0,
        next_at: 0,
        last_error: "",
      };
      return tx(STORE, "readwrite", function (store) { store.put(item); }).then(function () { return item; });
    });
  }

  function freshIdFor(form) {
    var input = form.querySelector("input[name=submission_id]");
    if (!input) return Promise.resolve();
    return takeId().then(function (id) { input.value = id; });
  }

  // A phone can say it is online on a network that carries nothing. Before an online submission
  // leaves, ask the server whether it answers; if not, the answers are kept like any offline entry.
  function reachable() {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, 6000);
    return fetch("/healthz", { cache: "no-store", credentials: "same-origin", signal: controller && controller.signal })
      .then(function (response) { return response.ok; }, function () { return false; })
      .then(function (ok) { clearTimeout(timer); return ok; });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-outbox]")) return;
    if (form.dataset.checked === "1") { delete form.dataset.checked; return; }  // checked: send it
    var submitter = event.submitter;
    var step = submitter && submitter.name === "step" ? submitter.value : (form.elements.step || {}).value;
    if (step === "edit") return;
    event.preventDefault();
    if (navigator.onLine) {
      reachable().then(function (ok) {
        if (!ok) return keep(form, step);
        form.dataset.checked = "1";
        if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
      });
      return;
    }
    keep(form, step);
  }

  function keep(form, step) {
    var fields = [];
    new FormData(form).forEach(function (value, name) { fields.push([name, value]); });
    if (step === "confirm") {
      queue(form, fields, step).then(function () {
        form.hidden = true;
        document.querySelectorAll(".readback").forEach(function (node) { node.remove(); });
        status(form, W.queued).focus();
        render().then(schedule); // "online" but unreachable: try again on the timer
      });
      return;
    }
    var done = document.getElementById("outbox-queued");
    if (done) done.remove();
    var panel = el("section", "panel offline-readback");
    panel.setAttribute("aria-labelledby", "offline-readback-title");
    var title = el("h2", "", W.readbackTitle);
    title.id = "offline-readback-title";
    title.tabIndex = -1;
    panel.appendChild(title);
    panel.appendChild(el("p", "lead", W.readbackLead));
    panel.appendChild(readback(form));
    var actions = el("div", "readback-actions");
    var confirm = el("button", "button", W.readbackConfirm);
    var back = el("button", "button button-secondary", W.readbackEdit);
    confirm.type = back.type = "button";
    actions.appendChild(confirm);
    actions.appendChild(back);
    panel.appendChild(actions);
    form.hidden = true;
    form.parentNode.insertBefore(panel, form);
    title.focus();
    back.addEventListener("click", function () {
      panel.remove();
      form.hidden = false;
      var first = form.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    });
    confirm.addEventListener("click", function () {
      confirm.disabled = true;
      queue(form, fields, step).then(function () {
        clear(form);
        panel.remove();
        form.hidden = false;
        return freshIdFor(form);
      }).then(function () {
        window.scrollTo(0, 0);
        status(form, W.queued).focus();
        render().then(schedule); // "online" but unreachable: try again on the timer
      });
    });
  }

  // ---- start ---------------------------------------------------------------------------------------
  function persist() {
    var note = document.getElementById("outbox-persist");
    if (!note) return;
    if (!navigator.storage || !navigator.storage.persist) { note.textContent = W.persistUnknown; return; }
    navigator.storage.persist().then(function (granted) {
      note.textContent = granted ? W.persistYes : W.persistNo;
    });
  }

  function start() {
    document.addEventListener("submit", onSubmit);
    window.addEventListener("online", function () { render(); sync(true); });
    window.addEventListener("offline", render);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) sync(false); });
    var send = document.getElementById("outbox-send");
    if (send) send.addEventListener("click", function () { sync(true); });
    persist();
    // A kept (offline) copy of a form carries an id that may have been used: give it a fresh one.
    if (document.documentElement.hasAttribute("data-offline-copy")) {
      var note = document.getElementById("outbox-network");
      if (note) note.textContent = W.offlineCopy;
      document.querySelectorAll("form[data-outbox]").forEach(freshIdFor);
    }
    render().then(function () {
      if (!navigator.onLine) return;
      return poolSize().then(function (size) {
        return all().then(function (items) {
          if (items.length) return sync(false);
          if (size < 10) return session().catch(function () {});
        });
      });
    }).then(schedule);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js").then(function (reg) {
        var last = Number(localStorage.getItem("xuehou-refreshed") || 0);
        if (navigator.onLine && reg.active && Date.now() - last > 3600000) {
          localStorage.setItem("xuehou-refreshed", String(Date.now()));
          reg.active.postMessage("refresh");
        }
      }).catch(function () {});
    }
    window.xuehouOutbox = { sync: sync, all: all, render: render }; // for the browser tests and the bench
  }

  start();
})();
