// The skills chart of /record/skills: one horizontal bar a skill, as long as the number of
// credentials that show it. The table after the chart holds the same figures (it is what a
// screen reader reads, and what shows without this script); the chart only draws them.
(function () {
  "use strict";

  window.openlerChart.whenReady("skills-chart-data", "skills-chart", function (canvas, figures) {
    var colour = window.openlerChart.colour;
    var labels = window.openlerChart.fit(canvas, figures.labels, 4);
    var ink = colour("--ink", "#1a1a1a");
    var still = window.openlerChart.still();
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
  });
})();
