// What the pages' bar charts share (skills-chart.js, career-chart.js, candidates-chart.js):
// drawing once the page is read, a label wrapped onto lines rather than cut off, a colour the
// stylesheet names, the chart's box sized to its rows so that every label is read, and one
// way to draw: horizontal bars, stacked when there are several series, in the page's ink,
// still when the reader asks for reduced motion.
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

  function still() {
    return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  // horizontal bars on ``canvas``, one a label of ``figures.labels``: ``how.series`` is a
  // list of { label, data, colour: [stylesheet name, fallback] } (several are stacked);
  // ``how.extra`` rem for the axis title and legend, ``how.max`` the axis's end, ``how.title``
  // the axis's title, ``how.legend`` "top", "bottom" or false, ``how.ticks`` more for the
  // axis's ticks, ``how.tooltip`` more for the tooltip (its title is the whole label)
  function bars(canvas, figures, how) {
    var ink = colour("--ink", "#1a1a1a");
    var stacked = how.series.length > 1;
    var x = { stacked: stacked, beginAtZero: true, ticks: Object.assign({ color: ink }, how.ticks) };
    if (how.max) {
      x.max = how.max;
    }
    if (how.title) {
      x.title = { display: true, text: how.title, color: ink };
    }
    var tooltip = Object.assign({}, how.tooltip);
    tooltip.callbacks = Object.assign({
      title: function (items) { return figures.labels[items[0].dataIndex]; }
    }, tooltip.callbacks);
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: fit(canvas, figures.labels, how.extra),
        datasets: how.series.map(function (one) {
          return { label: one.label, data: one.data, maxBarThickness: 28,
                   backgroundColor: colour(one.colour[0], one.colour[1]) };
        })
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: still() ? false : { duration: 300 },
        color: ink,
        font: { size: 14 },
        plugins: {
          legend: { display: !!how.legend, position: how.legend || "top", labels: { color: ink } },
          tooltip: tooltip
        },
        scales: { x: x, y: { stacked: stacked, ticks: { autoSkip: false, color: ink } } }
      }
    });
  }

  window.openlerChart = {
    lines: lines,
    colour: colour,
    fit: fit,
    whenReady: whenReady,
    still: still,
    bars: bars
  };
})();
