// A form sent back with problems: move the focus to the list of problems, so that a
// keyboard or screen reader user lands on what to fix instead of the top of the page.
(function () {
  "use strict";
  function focusProblems() {
    var box = document.querySelector("main .error-summary[tabindex]");
    if (box) {
      box.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusProblems);
  } else {
    focusProblems();
  }
})();
