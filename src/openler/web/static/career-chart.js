// The gap chart of the career navigator: one horizontal bar a skill the occupation needs, as
// long as its importance, in one colour when a credential shows it and in another when it is
// missing (the missing ones first). The table after the chart holds the same figures (it is
// what a screen reader reads, and what shows without this script); the chart only draws them.
(function () {
  "use strict";

  window.openlerChart.whenReady("career-chart-data", "career-chart", function (canvas, figures) {
    var colour = window.openlerChart.colour;
    var labels = window.openlerChart.fit(canvas, figures.labels, 7);
    var ink = colour("--ink", "#1a1a1a");
    var still = window.openlerChart.still();
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: figures.missingLabel, data: figures.missing,
            backgroundColor: colour("--gap", "#b34700"), maxBarThickness: 28 },
          { label: figures.heldLabel, data: figures.held,
            backgroundColor: colour("--accent", "#0b5394"), maxBarThickness: 28 }
        ]
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { duration: 300 },
        color: ink,
        font: { size: 14 },
        plugins: {
          legend: { display: true, position: "top", labels: { color: ink } },
          tooltip: {
            filter: function (item) { return item.raw > 0; },
            callbacks: {
              title: function (items) { return figures.labels[items[0].dataIndex]; }
            }
          }
        },
        scales: {
          x: {
            stacked: true,
            beginAtZero: true,
            max: 100,
            ticks: { color: ink },
            title: { display: true, text: figures.title, color: ink }
          },
          y: { stacked: true, ticks: { autoSkip: false, color: ink } }
        }
      }
    });
  });
})();
