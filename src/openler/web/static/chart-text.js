// What the pages' bar charts share (skills-chart.js, career-chart.js): drawing once the page
// is read, a label wrapped onto lines rather than cut off, a colour the stylesheet names, and
// the chart's box sized to its rows so that every label is read.
(function () {
  "use strict";

  function lines(text, width) {
    var out = [];
    var line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        out.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) {
      out.push(line);
    }
    return out;
  }

  function colour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  // the labels wrapped for this screen, and the canvas's box shown at the height they need
  // (``extra``: rem for the axis title, a legend …)
  function fit(canvas, labels, extra) {
    var narrow = window.matchMedia("(max-width: 40rem)").matches;
    var wrapped = labels.map(function (label) { return lines(label, narrow ? 18 : 32); });
    var rows = wrapped.reduce(function (sum, label) { return sum + Math.max(label.length, 1); }, 0);
    var box = canvas.parentNode;
    box.hidden = false;
    box.style.height = (rows * 1.4 + labels.length + extra) + "rem";
    return wrapped;
  }

  // once the page is read: ``draw(canvas, figures)`` with the figures of the JSON block
  // ``sourceId`` for the canvas ``canvasId`` — unless either is missing, Chart.js did not
  // load, or there is nothing to draw (the table says it alone then)
  function whenReady(sourceId, canvasId, draw) {
    function start() {
      var source = document.getElementById(sourceId);
      var canvas = document.getElementById(canvasId);
      if (!source || !canvas || typeof window.Chart === "undefined") {
        return;
      }
      var figures = JSON.parse(source.textContent);
      if (figures.labels.length) {
        draw(canvas, figures);
      }
    }
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", start);
    } else {
      start();
    }
  }

  window.openlerChart = {
    lines: lines,
    colour: colour,
    fit: fit,
    whenReady: whenReady,
    still: function () { return window.matchMedia("(prefers-reduced-motion: reduce)").matches; }
  };
})();
