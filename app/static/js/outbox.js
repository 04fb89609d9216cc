/* Xuehou worker outbox: nothing a worker enters is lost, doubled or filed under another worker.
 *
 * Worker forms (`form[data-outbox]`) are sent with fetch and a time limit, one at a time, and the
 * answer is shown in place. When anything goes wrong (no network, a network that carries nothing, a
 * reset, a 5xx, an answer lost after the server saved, a lapsed log-in) the answers are kept in
 * IndexedDB under the form's server-issued submission id: the server answers a replay with the first
 * result, so a kept entry is sent again, never typed again. Before keeping, the phone checks what it
 * can with the server's own rules (/worker/rules.json, app/forms/rules.py). Each entry carries the worker
 * who entered it and is sent only while that worker is logged in. Items are sent when the network
 * returns, on every page load and on a timer, with backoff; an item is deleted only on the server's
 * receipt. Words come from #outbox-words (translated), kept in localStorage for public pages, where
 * app.js loads this file so that the queue is sent from there too.
 */
(function () {
  "use strict";

  var KEY = "xuehou-outbox";
  var words = document.getElementById("outbox-words");
  var stored = JSON.parse(localStorage.getItem(KEY) || "null");
  var kept = document.documentElement.hasAttribute("data-offline-copy");
  if (!(words || stored) || !window.indexedDB) return;
  var W = words ? Object.assign({}, words.dataset) : stored;
  if (words && !kept) {
    W.src = document.currentScript.src;
    localStorage.setItem(KEY, JSON.stringify(W));
  } else if (stored) {
    W.worker = stored.worker; // a kept page was saved for whoever was logged in then
    W.workerName = stored.workerName;
  }
  var BACKOFF = W.backoff.split(",").map(Number);
  var TIMEOUT = +W.timeout;
  var LOCK_MS = 2 * TIMEOUT + 5000; // longer than any send can take: a "sending" mark older is a crash
  var STORE = "items";
  var POOL = "ids";
  var dbPromise = null;
  var running = null;
  var again = false;
  var timer = null;
  var sentNow = {};

  function $(id) { return document.getElementById(id); }

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

  // Entries are sent only by the worker who entered them (an entry from before the stamp: by anyone).
  function mine(item) { return !item.worker || item.worker === W.worker; }

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

  // ---- talking to the server: every request has a time limit, body included ----------------------
  function get(url, options) {
    var stop = new AbortController();
    var limit = setTimeout(function () { stop.abort(); }, TIMEOUT);
    options = Object.assign({ credentials: "same-origin", cache: "no-store", signal: stop.signal }, options);
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) { response.html = text; return response; });
    }).finally(function () { clearTimeout(limit); });
  }

  function parse(response) { return new DOMParser().parseFromString(response.html, "text/html"); }

  // A fresh CSRF token, more ids, and who is logged in. 401: the log-in has lapsed.
  function session() {
    return get(W.sessionUrl, { headers: { Accept: "application/json" } }).then(function (response) {
      if (response.status === 401 || response.status === 403) return { login: true };
      if (!response.ok) throw W.reasonServer;
      var data = JSON.parse(response.html);
      W.worker = String(data.worker);
      document.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = data.csrf_token; });
      return addIds(data.submission_ids).then(function () { return data; });
    });
  }

  // What a server's answer to a form means: sent (its receipt), login, other (another worker's),
  // refused (with the reasons from its error summary), or waiting (try again; `stop`: not the rest now).
  function outcome(response) {
    var page = parse(response);
    var other = page.querySelector("[data-other-worker]");
    if (new URL(response.url).pathname.indexOf("/worker/login") === 0 || response.status === 401 || response.status === 403) {
      return { state: "login", stop: 1 };
    }
    if (other) return { state: "other", worker: other.dataset.otherWorker, name: other.dataset.otherName };
    if (response.status === 422) {
      var list = Array.prototype.map.call(page.querySelectorAll(".error-summary li"), function (li) {
        return li.textContent.trim();
      });
      return { state: "refused", reason: list.join("；") || W.reasonUnknown };
    }
    if (response.ok && response.redirected) return { state: "sent", page: page };
    if (response.status === 400) return { state: "waiting", reason: W.reasonToken, stop: 1 };
    if (response.ok) return { state: "refused", reason: W.reasonUnknown };
    return { state: "waiting", reason: W.reasonServer, stop: response.status === 503 };
  }

  function body(fields, token) {
    var data = new FormData();
    fields.forEach(function (pair) { data.append(pair[0], pair[0] === "csrf_token" && token ? token : pair[1]); });
    return data;
  }

  function send(item, token) {
    return get(item.url, { method: "POST", body: body(item.fields, token) }).then(outcome, function () {
      return { state: "waiting", reason: W.reasonNetwork, stop: 1 };
    });
  }

  function later(item, reason) {
    var attempts = (item.attempts || 0) + 1;
    var wait = BACKOFF[Math.min(attempts - 1, BACKOFF.length - 1)] * 1000;
    return { state: "waiting", attempts: attempts, next_at: Date.now() + wait, last_error: reason || "" };
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
        if (item.state === "refused" || !mine(item)) return false;
        if (item.state === "sending") return t - item.locked_at >= LOCK_MS;
        return now || item.state === "login" || !item.next_at || item.next_at <= t;
      });
      if (!due.length) return;
      return session().then(
        function (data) {
          if (data.login) {
            return Promise.all(due.map(function (item) { return update(item.submission_id, { state: "login" }); }));
          }
          return sendAll(due.filter(mine), data.csrf_token);
        },
        function (reason) {
          return Promise.all(due.map(function (item) {
            return update(item.submission_id, later(item, typeof reason === "string" ? reason : W.reasonNetwork));
          }));
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
    var stop = null; // the rest of this run waits (log-in, network, server down)
    return items.reduce(function (chain, item) {
      return chain.then(function () {
        if (stop) return update(item.submission_id, stop.state === "login" ? { state: "login" } : later(item, stop.reason));
        return claim(item.submission_id).then(function (claimed) {
          if (!claimed) return;
          render();
          return send(claimed, token).then(function (result) {
            var id = claimed.submission_id;
            if (result.stop) stop = result;
            if (result.state === "sent") { tally(result.page); return remove(id); }
            if (result.state === "waiting") return update(id, later(claimed, result.reason));
            if (result.state === "other") return update(id, { state: "waiting", worker: result.worker, worker_name: result.name });
            return update(id, { state: result.state, last_error: result.reason || "" });
          });
        });
      });
    }, Promise.resolve());
  }

  // Count what was sent (and, for sign-ups, confirmed or waitlisted); nothing of the resident is kept.
  function tally(page) {
    var status = page.querySelector("[data-status]");
    var key = status ? status.dataset.status : "need";
    sentNow[key] = (sentNow[key] || 0) + 1;
  }

  function schedule() {
    clearTimeout(timer);
    all().then(function (items) {
      var next = items.filter(function (i) { return mine(i) && (i.state === "waiting" || i.state === "sending"); })
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

  function when(ms) { return new Date(+ms).toLocaleString(document.documentElement.lang); }

  function stateWords(item) {
    if (item.state === "refused") return W.stateRefused.replace("{reason}", item.last_error || W.reasonUnknown);
    if (item.state === "waiting" && item.last_error) return W.stateRetry.replace("{reason}", item.last_error);
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
      var count = $("outbox-count");
      if (count) count.textContent = W.count.replace("{n}", items.length);
      var network = $("outbox-network");
      if (network) {
        network.textContent = kept ? W.offlineCopy.replace("{time}", when(document.documentElement.dataset.savedAt))
          : navigator.onLine ? "" : W.offline;
      }
      loginPrompt(items.some(function (item) { return mine(item) && item.state === "login"; }));
      var list = $("outbox-list");
      if (!list) return;
      var parts = [];
      var sent = Object.keys(sentNow).reduce(function (n, k) { return n + sentNow[k]; }, 0);
      if (sent) parts.push(W.sentNow.replace("{n}", sent));
      if (sentNow.confirmed || sentNow.waitlisted) {
        parts.push(W.sentSignups.replace("{c}", sentNow.confirmed || 0).replace("{w}", sentNow.waitlisted || 0));
      }
      if (!items.length) parts.push(W.empty);
      $("outbox-summary").textContent = parts.join(" ");
      list.textContent = "";
      items.forEach(function (item) {
        var li = el("li", "card");
        li.setAttribute("data-outbox-item", item.submission_id);
        li.setAttribute("data-state", mine(item) ? item.state : "other");
        if (mine(item)) {
          li.appendChild(el("strong", "", field(item, "name")));
          li.appendChild(document.createTextNode(" " + masked(field(item, "phone"))));
        }
        li.appendChild(el("p", "muted", W.savedAt.replace("{time}", when(item.created_at))));
        li.appendChild(el("p", "outbox-state", mine(item) ? stateWords(item) : W.stateOther.replace(/\{name\}/g, item.worker_name || "")));
        if (mine(item) && item.state === "refused") li.appendChild(refusedActions(item));
        list.appendChild(li);
      });
      $("outbox-send").hidden = !items.some(function (i) { return mine(i) && i.state !== "refused"; });
    });
  }

  // A lapsed log-in: say so on every worker page, with a link back here through the log-in page.
  function loginPrompt(needed) {
    var prompt = $("outbox-login");
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

  // ---- checking on the phone, with the server's rules and messages --------------------------------
  function normalise(value, rule) {
    value = value.normalize("NFKC").trim();
    if (rule.s) value = value.replace(RegExp(rule.s, "g"), "");
    (rule.pre || []).some(function (p) { return value.indexOf(p) === 0 && (value = value.slice(p.length)); });
    if (rule.d) value = value.replace(RegExp(rule.d, "g"), "·");
    if (rule.h) value = value.replace(/\s+/g, RegExp(rule.h).test(value) ? "" : " ");
    return rule.u ? value.toUpperCase() : value;
  }

  function problem(control, rule) {
    var value = control.tagName ? (control.type === "checkbox" ? (control.checked ? "y" : "") : normalise(control.value, rule))
      : Array.prototype.some.call(control, function (c) { return c.checked; }) ? "y" : "";
    if (!value) return rule.r;
    if (rule.x && value.length > rule.x) return rule.xm;
    var total = 0;
    (rule.w || []).forEach(function (w, i) { total += w * value[i]; });
    if (rule.p && (!RegExp("^(?:" + rule.p + ")$").test(value) || (rule.w && rule.c[total % 11] !== value[17]))) return rule.m;
  }

  function unmark(form) {
    form.querySelectorAll(".error-summary, .error-message, .request-failed").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".field-error").forEach(function (node) { node.classList.remove("field-error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
    form.querySelectorAll("[aria-describedby]").forEach(function (node) {
      var ids = node.getAttribute("aria-describedby").replace(/\S+-error/g, "").trim();
      if (ids) node.setAttribute("aria-describedby", ids); else node.removeAttribute("aria-describedby");
    });
    document.title = document.title.replace(W.errorPrefix, "");
  }

  // The GOV.UK pattern the server renders: a summary that takes focus, a message at each field.
  function check(form) {
    var rules = JSON.parse(localStorage.getItem(KEY + "-rules") || "{}")[form.dataset.outbox] || {};
    var seen = {};
    var summary = el("div", "error-summary");
    var list = el("ul");
    unmark(form);
    Array.prototype.forEach.call(form.elements, function (control) {
      var name = control.name;
      // data-empty-ok: a field the server fills in when left empty (the phone of the need a sign-up follows).
      var emptyOk = control.hasAttribute && control.hasAttribute("data-empty-ok") && !control.value.trim();
      var message = rules[name] && !seen[name] && !emptyOk && problem(form.elements[name], rules[name]);
      var target = $(name);
      seen[name] = 1;
      if (!message || !target) return;
      var box = target.closest(".field");
      var note = el("p", "error-message", message);
      note.id = name + "-error";
      note.insertBefore(el("span", "visually-hidden", W.errorPrefix), note.firstChild);
      var at = box.querySelector(".options") || (box.classList.contains("checkbox") ? box.firstChild : target);
      at.parentNode.insertBefore(note, at);
      box.classList.add("field-error");
      (target.tagName === "FIELDSET" ? target.querySelectorAll("input") : [target]).forEach(function (c) {
        c.setAttribute("aria-invalid", "true");
      });
      target.setAttribute("aria-describedby", ((target.getAttribute("aria-describedby") || "") + " " + note.id).trim());
      var link = el("a", "", message);
      link.href = "#" + name;
      list.appendChild(el("li")).appendChild(link);
    });
    if (!list.firstChild) return true;
    summary.setAttribute("role", "alert");
    summary.setAttribute("aria-labelledby", "error-summary-title");
    summary.tabIndex = -1;
    summary.appendChild(el("h2", "", W.errorTitle)).id = "error-summary-title";
    summary.appendChild(list);
    form.insertBefore(summary, form.firstChild);
    document.title = W.errorPrefix + document.title;
    summary.focus();
  }

  // ---- keeping on the phone: read back there, keep, and clear the form ----------------------------
  function readback(form) {
    var dl = el("dl", "facts readback");
    var add = function (question, answer) {
      dl.appendChild(el("dt", "", question));
      dl.appendChild(el("dd", "", answer));
    };
    if (form.dataset.class) add(W.classLabel, form.dataset.class);
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
      if (answers.length) add(question, answers.join("、"));
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
    });
    unmark(form);
  }

  // A note above the form: what happened, in plain words, and a link to the next resident's form.
  function status(form, text, edit) {
    var note = $("outbox-queued");
    if (!note) {
      note = el("p", "notice");
      note.id = "outbox-queued";
      note.setAttribute("role", "status");
      note.tabIndex = -1;
      form.parentNode.insertBefore(note, form);
    }
    note.textContent = text + " ";
    if (!edit) note.appendChild(el("a", "", W.next)).href = form.getAttribute("action") || location.pathname;
    window.scrollTo(0, 0);
    note.focus();
  }

  // Keep the answers. An entry form gets a fresh id from the pool (the page may be an old kept copy);
  // a server read-back (step=confirm) keeps its own: the server may already have it.
  function queue(form, fields, own, who) {
    return (own ? Promise.resolve(field({ fields: fields }, "submission_id")) : takeId()).then(function (id) {
      var worker = field({ fields: fields }, "worker") || W.worker;
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
        worker: worker,
        worker_name: who || (worker === W.worker ? W.workerName : ""),
      };
      return tx(STORE, "readwrite", function (store) { store.put(item); }).then(function () {
        persist();
        render().then(schedule); // "online" but unreachable: try again on the timer
      });
    });
  }

  function freshIdFor(form) {
    var input = form.querySelector("input[name=submission_id]");
    if (input) return takeId().then(function (id) { input.value = id; });
  }

  function keep(form, fields, step, who) {
    if (step === "confirm") {
      return queue(form, fields, true, who).then(function () {
        form.hidden = true;
        document.querySelectorAll(".readback").forEach(function (node) { node.remove(); });
        status(form, who ? W.keptOther.replace("{name}", who) : navigator.onLine ? W.keptFailed : W.queued);
      });
    }
    var done = $("outbox-queued");
    if (done) done.remove();
    var panel = el("section", "panel offline-readback");
    panel.setAttribute("aria-labelledby", "offline-readback-title");
    var title = el("h2", "", W.readbackTitle);
    title.id = "offline-readback-title";
    title.tabIndex = -1;
    panel.appendChild(title);
    panel.appendChild(el("p", "lead", W.readbackLead));
    panel.appendChild(readback(form));
    if (form.dataset.note) panel.appendChild(el("p", "notice", form.dataset.note));
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
      queue(form, fields, false, who).then(function () {
        clear(form);
        panel.remove();
        form.hidden = false;
        return freshIdFor(form);
      }).then(function () { status(form, W.queued); });
    });
  }

  // ---- sending a form online: fetch with a time limit, one at a time, the answer shown in place ---
  function busy(form, on) {
    form.setAttribute("aria-busy", on);
    form.querySelectorAll("button").forEach(function (b) { b.disabled = on; });
    var note = form.querySelector(".busy-note");
    if (on) {
      form.dataset.busy = 1;
      note = form.appendChild(el("p", "notice busy-note", W.busy));
      note.setAttribute("role", "status");
    } else {
      delete form.dataset.busy;
      if (note) note.remove();
    }
  }

  function post(form, fields, retried) {
    return get(form.getAttribute("action") || location.pathname, { method: "POST", body: body(fields) }).then(function (r) {
      if (r.status !== 400 || retried) return r;
      return session().then(function (data) {  // a stale token (a kept page, a new session): once more
        if (data.login) return r;
        return post(form, fields.map(function (p) { return p[0] === "csrf_token" ? [p[0], data.csrf_token] : p; }), true);
      });
    });
  }

  // Show the server's page in place of this one (read-back, errors, receipt): no second request.
  function show(response, page) {
    var main = page.querySelector("main");
    if (!main) return location.assign(response.url); // not one of our pages: let the browser show it
    document.title = page.title;
    document.querySelector("main").replaceWith(document.adoptNode(main));
    if (response.redirected) history.replaceState(null, "", response.url); // Back never shows the resident again
    if (window.htmx) window.htmx.process(main);
    window.scrollTo(0, 0);
    (main.querySelector(".error-summary") || main).focus();
    saved();
    render();
  }

  function onSubmit(event) {
    var form = event.target;
    if (form.classList.contains("logout")) return logout(event, form);
    if (form.id === "kept-filters" && $("kept-catalogue").dataset.complete) {
      event.preventDefault();
      history.replaceState(null, "", "?" + new URLSearchParams(new FormData(form)));
      return catalogue();
    }
    if (!form.matches("form[data-outbox]")) return;
    event.preventDefault();
    if (form.dataset.busy) return; // a second tap while the first is on its way does nothing
    var submitter = event.submitter;
    var step = submitter && submitter.name === "step" ? submitter.value : (form.elements.step || {}).value;
    if (step === "review" && !check(form)) return;
    var fields = [];
    new FormData(form).forEach(function (value, name) { if (name !== "step") fields.push([name, value]); });
    fields.push(["step", step]);
    if (!navigator.onLine) return keep(form, fields, step);
    busy(form, true);
    post(form, fields).then(function (response) {
      busy(form, false);
      var result = outcome(response);
      if (result.state === "other" && step !== "edit") return keep(form, fields, step, result.name);
      if (result.state === "login" || result.stop || response.status >= 500) return failed(form, fields, step);
      show(response, parse(response));
    }, function () {
      busy(form, false);
      failed(form, fields, step);
    });
  }

  function failed(form, fields, step) {
    if (step !== "edit") return keep(form, fields, step);
    status(form, W.editFailed, true); // going back to change an answer saves nothing: just try again
    sync(false);
  }

  // ---- logging out with entries waiting: say so; they stay for this worker alone ------------------
  function logout(event, form) {
    if (form.dataset.ok) return;
    event.preventDefault();
    var out = function () {
      localStorage.removeItem(KEY);
      var sw = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (sw) sw.postMessage("forget");
      form.dataset.ok = 1;
      form.submit();
    };
    all().then(function (items) {
      var n = items.filter(mine).length;
      if (!n) return out();
      if ($("logout-warning")) return;
      var panel = el("div", "notice");
      panel.id = "logout-warning";
      panel.setAttribute("role", "alert");
      panel.appendChild(el("p", "", W.logoutWarning.replace("{n}", n)));
      var yes = panel.appendChild(el("button", "button", W.logoutYes));
      var no = panel.appendChild(el("button", "button button-secondary", W.logoutNo));
      yes.type = no.type = "button";
      yes.addEventListener("click", out);
      no.addEventListener("click", function () { panel.remove(); });
      var main = document.querySelector("main");
      main.insertBefore(panel, main.firstChild);
      yes.focus();
    });
  }

  // ---- the kept catalogue: filtered on the phone; a class, or its sign-up form, by the address ---
  function catalogue() {
    var list = $("kept-catalogue");
    if (!list) return;
    var count = $("kept-count");
    var one = location.pathname.match(/^\/(?:worker\/)?courses\/(\d+)(\/signup)?$/);
    var q = new URLSearchParams(location.search);
    var filters = $("kept-filters");
    var terms = (q.get("q") || "").normalize("NFKC").toLowerCase().split(/\s+/).map(function (t) {
      return t.replace(/[^\p{L}\p{N}]/gu, "");
    }).filter(Boolean);
    var shown = 0;
    Array.prototype.forEach.call(filters.elements, function (c) { if (q.has(c.name)) c.value = q.get(c.name); });
    list.querySelectorAll("[data-offering-id]").forEach(function (li) {
      var d = li.dataset;
      var ok = one ? d.offeringId === one[1]
        : ["kind", "weekday"].every(function (k) { return !q.get(k) || d[k] === q.get(k); }) &&
          (!q.get("town") || d.town === q.get("town") || d.townName === q.get("town")) &&
          (q.get("audience") !== "senior" || d.senior) &&
          terms.every(function (t) { return d.search.indexOf(t) >= 0; });
      li.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = one ? "" : count.dataset.count.replace("{n}", shown);
    if (!one) return;
    filters.hidden = $("kept-lead").hidden = true;
    var entry = $("o" + one[1]);
    if (!entry) { count.textContent = count.dataset.missing; return; }
    var title = entry.querySelector("h2").textContent;
    document.title = title;
    $("kept-title").textContent = title;
    entry.querySelector("details").open = true;
    if (!one[2]) return;
    if (entry.dataset.deadline < new Date().toISOString().slice(0, 10)) { count.textContent = count.dataset.closed; return; }
    var section = $("kept-signup");
    var form = section.querySelector("form");
    form.action = location.pathname;
    form.dataset.class = title;
    section.hidden = false;
    entry.lastElementChild.hidden = true; // its own link to this sign-up form
  }

  // A receipt on screen: if that submission was also kept (refused, fixed and sent), it is done.
  function saved() {
    var receipt = document.querySelector("[data-saved-submission]");
    if (receipt) remove(receipt.dataset.savedSubmission);
  }

  // ---- start ---------------------------------------------------------------------------------------
  // Ask the browser to keep the queue through storage clean-ups (on the outbox page, and whenever an
  // entry is kept); the outbox page says what it answered.
  function persist() {
    var note = $("outbox-persist");
    if (!navigator.storage || !navigator.storage.persist) {
      if (note) note.textContent = W.persistUnknown;
      return;
    }
    navigator.storage.persist().then(function (granted) {
      if (note) note.textContent = granted ? W.persistYes : W.persistNo;
    });
  }

  function start() {
    document.addEventListener("submit", onSubmit);
    window.addEventListener("online", function () { render(); sync(true); });
    window.addEventListener("offline", render);
    // Back to a page from the back-forward cache: load it again, never the previous resident's answers.
    window.addEventListener("pageshow", function (event) { if (event.persisted) location.reload(); });
    document.addEventListener("visibilitychange", function () { if (!document.hidden) sync(false); });
    var send = $("outbox-send");
    if (send) send.addEventListener("click", function () { sync(true); });
    if ($("outbox-persist")) persist();
    // A kept (offline) copy of a form carries an id that may have been used, and the worker who was
    // logged in when it was kept: a fresh id, and the worker logged in on this phone now.
    if (kept) {
      document.querySelectorAll("form[data-outbox]").forEach(function (form) {
        freshIdFor(form);
        if (form.elements.worker) form.elements.worker.value = W.worker;
      });
    }
    // The whole kept list is on the page (a kept copy, or no filter asked of the server): filter it here.
    if ($("kept-catalogue") && (kept || !location.search)) $("kept-catalogue").dataset.complete = 1;
    // The server's rules for checking forms on the phone: a fresh copy on each online worker page.
    if (words && !kept && navigator.onLine) {
      get(W.rulesUrl).then(function (r) { if (r.ok && !r.redirected) localStorage.setItem(KEY + "-rules", r.html); }).catch(function () {});
    }
    saved();
    catalogue();
    render().then(function () {
      if (!navigator.onLine) return;
      return poolSize().then(function (size) {
        return all().then(function (items) {
          if (items.some(mine)) return sync(false);
          if (size < 10) return session().catch(function () {});
        });
      });
    }).then(schedule);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js").then(function (reg) {
        // A fresh copy of the kept pages on each online visit (and at once for another worker).
        var last = (localStorage.getItem("xuehou-refreshed") || "0 ").split(" ");
        if (navigator.onLine && reg.active && W.worker && (Date.now() - last[0] > W.refresh * 1000 || last[1] !== W.worker)) {
          localStorage.setItem("xuehou-refreshed", Date.now() + " " + W.worker);
          reg.active.postMessage("refresh");
        }
      }).catch(function () {});
    }
    window.xuehouOutbox = { sync: sync, all: all, render: render }; // for the browser tests and the bench
  }

  start();
})();
