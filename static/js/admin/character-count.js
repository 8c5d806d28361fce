/*
 * A live character count under every length-limited text field of the admin's edit forms:
 * "42 of 250 characters". The limit is the field's own `maxlength` (from the model's
 * max_length), so the count and what the browser lets the editor type never disagree.
 * Fields that StreamField adds later (a new block) get their count too.
 * Loaded on page and snippet editors by the `insert_editor_js` hook in dei_portal/admin_fixes.py.
 */
(function () {
  "use strict";

  var FIELDS = 'input[maxlength]:not([type="hidden"]):not([type="password"]), textarea[maxlength]';

  function describe(field, counter) {
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (ids.indexOf(counter.id) === -1) {
      ids.push(counter.id);
      field.setAttribute("aria-describedby", ids.join(" "));
    }
  }

  function attach(field) {
    if (field.maxLength <= 0 || field.hasAttribute("data-character-count-for")) return;
    var counter = document.createElement("p");
    counter.className = "help character-count";
    counter.id = (field.id || field.name) + "-character-count";
    counter.setAttribute("data-character-count", "");
    field.setAttribute("data-character-count-for", counter.id);

    function update() {
      var used = field.value.length;
      counter.textContent = used + " of " + field.maxLength + " characters" + (used >= field.maxLength ? " (the limit)" : "");
    }

    field.addEventListener("input", update);
    update();
    // Below the input's own container (where Wagtail puts the widget), else right after it.
    var container = field.closest("[data-field-input]") || field;
    container.insertAdjacentElement("afterend", counter);
    describe(field, counter);
  }

  function scan(root) {
    if (root.matches && root.matches(FIELDS)) attach(root);
    if (root.querySelectorAll) root.querySelectorAll(FIELDS).forEach(attach);
  }

  function start() {
    var forms = document.querySelectorAll("form[data-edit-form]");
    forms.forEach(function (form) {
      scan(form);
      new MutationObserver(function (mutations) {
        mutations.forEach(function (mutation) {
          mutation.addedNodes.forEach(scan);
        });
      }).observe(form, { childList: true, subtree: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
