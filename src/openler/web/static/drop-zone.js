// A file input that also takes a file dropped anywhere on its zone:
// <div data-drop-zone="INPUT_ID"> … <input type="file" id="INPUT_ID"> … </div>.
// The input stays an ordinary file input (Tab to it, Enter or Space to choose), and the
// form works without this script; with it, a file dragged over the zone highlights it,
// and dropping puts the file in the input. A status line says which file was chosen.
(function () {
  "use strict";

  function setUp(zone) {
    var input = document.getElementById(zone.getAttribute("data-drop-zone"));
    if (!input || input.type !== "file" || typeof DataTransfer === "undefined") {
      return;
    }
    var status = document.createElement("p");
    status.className = "drop-status";
    status.setAttribute("role", "status");
    zone.appendChild(status);

    function say() {
      var file = input.files && input.files[0];
      status.textContent = file ? (zone.getAttribute("data-chosen") || "Chosen:") + " " + file.name : "";
    }

    function over(event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        zone.classList.add("drop-over");
      }
    }

    zone.addEventListener("dragenter", over);
    zone.addEventListener("dragover", over);
    zone.addEventListener("dragleave", function (event) {
      if (!zone.contains(event.relatedTarget)) {
        zone.classList.remove("drop-over");
      }
    });
    zone.addEventListener("drop", function (event) {
      zone.classList.remove("drop-over");
      if (!event.dataTransfer || !event.dataTransfer.files.length) {
        return;
      }
      event.preventDefault();
      var chosen = new DataTransfer();
      chosen.items.add(event.dataTransfer.files[0]);
      input.files = chosen.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    });
    input.addEventListener("change", say);
    say();
  }

  document.querySelectorAll("[data-drop-zone]").forEach(setUp);
})();
