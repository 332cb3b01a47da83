/* The visit survey form: add and remove problems, guard against double submission, and keep a
   copy of what is typed on this device so nothing is lost if the session expires before saving. */
(function () {
  "use strict";
  var form = document.querySelector("form.visit-form");
  if (!form) { return; }
  var list = form.querySelector("[data-problem-list]");
  var template = form.querySelector("template[data-problem-template]");
  var total = form.querySelector("input[name='problems-TOTAL_FORMS']");
  var key = "linan-survey:" + form.dataset.autosaveKey;

  function renumber() {
    var n = 0;
    list.querySelectorAll("[data-problem-form]").forEach(function (card) {
      if (card.hidden) { return; }
      n += 1;
      card.querySelector("[data-problem-number]").textContent = String(n);
    });
  }

  function addProblem() {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var card = holder.firstElementChild;
    list.appendChild(card);
    total.value = String(index + 1);
    renumber();
    return card;
  }

  form.querySelector("[data-problem-add]").addEventListener("click", function () {
    var card = addProblem();
    var text = card.querySelector("textarea");
    if (text) { text.focus(); }
    save();
  });

  list.addEventListener("click", function (event) {
    var button = event.target.closest("[data-problem-remove]");
    if (!button) { return; }
    var card = button.closest("[data-problem-form]");
    var del = card.querySelector("input[name$='-DELETE']");
    if (del) { del.checked = true; }
    card.hidden = true;
    renumber();
    save();
  });

  /* Keep a copy of the form on this device. */
  function fields() {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit") { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        out.push([el.name, el.value, el.checked]);
      } else {
        out.push([el.name, el.value]);
      }
    });
    return out;
  }

  function save() {
    try {
      localStorage.setItem(key, JSON.stringify({ t: Date.now() / 1000, total: total.value, fields: fields() }));
    } catch (e) { /* private mode or full storage: the server copy still counts */ }
  }

  function restore() {
    var raw;
    try { raw = localStorage.getItem(key); } catch (e) { return; }
    if (!raw || form.dataset.bound === "1") { return; }
    var saved;
    try { saved = JSON.parse(raw); } catch (e) { return; }
    if (!saved || saved.t <= parseFloat(form.dataset.savedAt || "0")) { return; }
    while (parseInt(total.value, 10) < parseInt(saved.total, 10)) { addProblem(); }
    saved.fields.forEach(function (item) {
      var matches = form.querySelectorAll("[name='" + item[0].replace(/'/g, "") + "']");
      matches.forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") {
          if (el.value === item[1]) { el.checked = item[2]; }
        } else if (el.type !== "hidden") {
          // Hidden fields (the form's token, the formset's counters) stay as the server sent
          // them: a token from an older form would file into that older survey.
          el.value = item[1];
        }
      });
    });
    list.querySelectorAll("[data-problem-form]").forEach(function (card) {
      var del = card.querySelector("input[name$='-DELETE']");
      if (del && del.checked) { card.hidden = true; }
    });
    renumber();
    var notice = document.querySelector("[data-restored-notice]");
    if (notice) { notice.classList.remove("d-none"); }
  }

  restore();
  form.addEventListener("input", save);
  form.addEventListener("change", save);

  /* One submission per click: a double click must not file the survey twice. */
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = submitter && submitter.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      return;
    }
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      return;
    }
    save();
    form.dataset.submitting = "1";
  });
})();

/* After a successful save the server's copy is newer: forget this device's copy. */
(function () {
  "use strict";
  var marker = document.querySelector("[data-autosave-clear]");
  if (!marker) { return; }
  marker.dataset.autosaveClear.split(" ").forEach(function (name) {
    try { localStorage.removeItem("linan-survey:" + name); } catch (e) { /* nothing to clear */ }
  });
})();
