// The skills chart of /record/skills: one horizontal bar a skill, as long as the number of
// credentials that show it. The table after the chart holds the same figures (it is what a
// screen reader reads, and what shows without this script); the chart only draws them.
(function () {
  "use strict";

  // a long skill name on two or three lines rather than cut off
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

  function draw() {
    var source = document.getElementById("skills-chart-data");
    var canvas = document.getElementById("skills-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var figures = JSON.parse(source.textContent);
    if (!figures.labels.length) {
      return;
    }
    var narrow = window.matchMedia("(max-width: 40rem)").matches;
    var width = narrow ? 18 : 32;
    var labels = figures.labels.map(function (label) { return lines(label, width); });
    var rows = labels.reduce(function (sum, label) { return sum + Math.max(label.length, 1); }, 0);
    var box = canvas.parentNode;
    box.hidden = false;
    box.style.height = (rows * 1.4 + figures.labels.length * 1 + 4) + "rem";
    var ink = colour("--ink", "#1a1a1a");
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [{
          label: figures.title || "Credentials that show it",
          data: figures.counts,
          backgroundColor: colour("--accent", "#0b5394"),
          maxBarThickness: 28
        }]
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { duration: 300 },
        color: ink,
        font: { size: 14 },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return figures.labels[items[0].dataIndex]; },
              label: function (item) {
                return item.raw + (item.raw === 1 ? " credential" : " credentials");
              }
            }
          }
        },
        scales: {
          x: {
            beginAtZero: true,
            ticks: { precision: 0, stepSize: 1, color: ink },
            title: { display: true, text: figures.title || "Credentials that show it", color: ink }
          },
          y: { ticks: { autoSkip: false, color: ink } }
        }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
