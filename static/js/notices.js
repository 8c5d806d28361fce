// Dismissible site-wide notices. The notices are rendered on the server and show
// without JavaScript; this script adds the close buttons and remembers, in this
// browser only, which notice versions the visitor dismissed. A notice whose words
// change gets a new key and shows again.
(function () {
  "use strict";
  var STORAGE_KEY = "dei-portal:dismissed-notices";

  function readDismissed() {
    try {
      var value = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (error) {
      return [];
    }
  }

  function writeDismissed(keys) {
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(keys));
    } catch (error) {
      // Storage may be full or disabled: the notice still closes for this page view.
    }
  }

  function visibleNotices() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-notice-key]"), function (notice) {
      return !notice.hidden;
    });
  }

  function init() {
    var notices = document.querySelectorAll("[data-notice-key]");
    if (!notices.length) return;
    var dismissed = readDismissed();
    var current = Array.prototype.map.call(notices, function (notice) {
      return notice.getAttribute("data-notice-key");
    });
    // Forget keys of notices that no longer exist or have changed.
    dismissed = dismissed.filter(function (key) { return current.indexOf(key) !== -1; });
    writeDismissed(dismissed);

    Array.prototype.forEach.call(notices, function (notice) {
      var key = notice.getAttribute("data-notice-key");
      if (dismissed.indexOf(key) !== -1) {
        notice.hidden = true;
        return;
      }
      var button = notice.querySelector("[data-notice-close]");
      if (!button) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var remaining = visibleNotices();
        var index = remaining.indexOf(notice);
        notice.hidden = true;
        var keys = readDismissed();
        if (keys.indexOf(key) === -1) keys.push(key);
        writeDismissed(keys);
        // Move focus to the next notice's close button, else to the main content.
        var next = remaining[index + 1] || remaining[index - 1];
        if (!next) hideEmptyRegion();
        var target = next ? next.querySelector("[data-notice-close]") : document.getElementById("main-content");
        if (target) target.focus();
      });
    });
    if (!visibleNotices().length) hideEmptyRegion();
  }

  // With every notice dismissed, take the empty "Site notices" landmark away too.
  function hideEmptyRegion() {
    var region = document.querySelector(".site-notices");
    if (region) region.hidden = true;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
