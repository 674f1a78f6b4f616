// A "Copy link" button next to a link shown in a read-only field (a new share link): shown
// only when this script runs — without it the link stays there to select and copy — and
// what happened is said in the button's live region ("Copied"), for screen readers too.
(function () {
  "use strict";
  function copied(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    field.focus();
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }
  function setUp() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      var holder = button.parentElement;
      var said = holder.querySelector("[aria-live]");
      if (!field || !said) {
        return;
      }
      holder.hidden = false;
      button.addEventListener("click", function () {
        said.textContent = "";
        copied(field).then(
          function () {
            said.textContent = button.getAttribute("data-copied");
          },
          function () {
            said.textContent = button.getAttribute("data-not-copied");
          }
        );
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
