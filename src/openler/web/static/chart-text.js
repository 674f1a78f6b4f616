// What the pages' bar charts share (skills-chart.js, career-chart.js): a label wrapped onto
// lines rather than cut off, a colour the stylesheet names, and the chart's box sized to its
// rows so that every label is read.
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

  window.openlerChart = { lines: lines, colour: colour, fit: fit };
})();
