// The validity extension's page: while the job runs, ask for its progress every second
// and show it; when it has finished, load the page again to show its report.
(function () {
  "use strict";
  var box = document.getElementById("extension");
  if (!box || box.dataset.running !== "yes") return;
  var bar = document.getElementById("extension-progress");
  var status = document.getElementById("extension-status");
  function poll() {
    fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { setTimeout(poll, 3000); return; }
        if (p.total !== null) { bar.max = Math.max(p.total, 1); }
        bar.value = p.done || 0;
        bar.textContent = (p.done || 0) + " of " + (p.total === null ? "?" : p.total);
        if (p.state === "queued" || p.state === "running") {
          status.textContent = "The job is " + p.state + ": " + (p.done || 0) + " of " +
            (p.total === null ? "…" : p.total) + " done. This page updates itself.";
          setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
