// A job's page follows its progress without a reload: it asks the job's progress endpoint
// once a second and moves the progress bar, the count and the words together (one answer,
// one figure); a hidden status says the words to a screen reader each quarter, not every
// second. When the job ends it shows its rows (fetched from the same page) and says the
// outcome in its status. Without scripts the page's Refresh link does the same.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || box.getAttribute("data-finished") === "true") {
    return;
  }
  var url = box.getAttribute("data-progress");
  var bar = document.getElementById("job-bar");
  var words = document.getElementById("job-words");
  var news = document.getElementById("job-news");
  var count = document.getElementById("job-count");
  var refresh = document.getElementById("job-refresh");
  var unit = box.getAttribute("data-unit") || "rows";
  // the quarter the page was loaded at: its words are on the page already
  var lastQuarter = Math.floor(4 * bar.value / (bar.max || 1));

  function showDetail() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("job-detail");
        var current = document.getElementById("job-detail");
        if (fresh && current) {
          current.replaceWith(fresh);
        }
        box.setAttribute("data-finished", "true");
      });
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (progress) {
        if (progress.total) {
          bar.max = progress.total;
          bar.value = progress.done;
        }
        bar.textContent = progress.percent + "%";
        if (progress.total) {
          count.textContent = progress.done.toLocaleString("en-US") + " of " +
            progress.total.toLocaleString("en-US") + " " + unit;
        }
        words.textContent = progress.words;
        var quarter = Math.floor(progress.percent / 25);
        if (progress.finished) {
          words.className = progress.state === "failed" ? "error" : "ok";
          news.textContent = progress.words;
          if (refresh) { refresh.remove(); }
          showDetail();
          return;
        }
        // announced each quarter; emptied the next second, so that no older figure stays
        // on the page than the bar's (emptying it is not announced)
        if (quarter !== lastQuarter) {
          lastQuarter = quarter;
          news.textContent = progress.words;
        } else {
          news.textContent = "";
        }
        window.setTimeout(tick, 1000);
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }

  window.setTimeout(tick, 1000);
})();
