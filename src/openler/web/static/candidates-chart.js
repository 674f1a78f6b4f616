// The candidates chart of an employer's posting: one horizontal bar a candidate, its score
// out of 100 split into what the required and what the preferred skills add. The table
// after the chart holds the same figures (what a screen reader reads, and what shows
// without this script); the chart only draws them.
(function () {
  "use strict";

  function colour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function draw() {
    var source = document.getElementById("candidates-chart-data");
    var canvas = document.getElementById("candidates-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var figures = JSON.parse(source.textContent);
    if (!figures.labels.length) {
      return;
    }
    var box = canvas.parentNode;
    box.hidden = false;
    box.style.height = (figures.labels.length * 2.6 + 6) + "rem";
    var ink = colour("--ink", "#1a1a1a");
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: figures.labels,
        datasets: [
          {
            label: figures.titles[0],
            data: figures.required,
            backgroundColor: colour("--accent", "#0b5394"),
            maxBarThickness: 28
          },
          {
            label: figures.titles[1],
            data: figures.preferred,
            backgroundColor: "#6a8fbf",
            maxBarThickness: 28
          }
        ]
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { duration: 300 },
        color: ink,
        font: { size: 14 },
        plugins: { legend: { position: "bottom", labels: { color: ink } } },
        scales: {
          x: { stacked: true, beginAtZero: true, max: 100, ticks: { color: ink } },
          y: { stacked: true, ticks: { autoSkip: false, color: ink } }
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
