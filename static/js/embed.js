// "Post this statement on your website": the HTML is in a read-only textarea that
// anyone can select and copy without JavaScript. This script shows a Copy button
// that copies it and says "Copied" in the status region (read out by screen readers).
(function () {
  "use strict";

  function copyWithSelection(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-embed]"), function (section) {
      var field = section.querySelector("[data-embed-code]");
      var button = section.querySelector("[data-embed-copy]");
      var status = section.querySelector("[data-embed-status]");
      if (!field || !button || !status) return;

      function say(text) {
        // Empty first, so the same words are announced again on a second click.
        status.textContent = "";
        window.setTimeout(function () { status.textContent = text; }, 50);
      }

      function fallback() {
        say(copyWithSelection(field) ? "Copied" : "Selected: press Ctrl+C (or Command+C) to copy");
      }

      button.addEventListener("click", function () {
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(function () { say("Copied"); }, fallback);
        } else {
          fallback();
        }
      });
      button.hidden = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
