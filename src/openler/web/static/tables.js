// Tables wider than the screen scroll sideways: say so above each one that does not fit
// (measured again when the window changes and when a <details> around a table opens).
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var hint = wrap.previousElementSibling;
      var has = hint && hint.classList.contains("scroll-hint");
      var wide = wrap.scrollWidth > wrap.clientWidth + 1;
      if (wide && !has) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = "Scroll sideways for more \u2192";
        wrap.parentNode.insertBefore(hint, wrap);
      } else if (!wide && has) {
        hint.remove();
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mark);
  } else {
    mark();
  }
  window.addEventListener("resize", mark);
  document.addEventListener("toggle", mark, true); // "toggle" does not bubble: capture it
})();
