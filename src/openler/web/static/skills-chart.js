// The skills chart of /record/skills: one horizontal bar a skill, as long as the number of
// credentials that show it. The table after the chart holds the same figures (it is what a
// screen reader reads, and what shows without this script); the chart only draws them.
(function () {
  "use strict";

  window.openlerChart.whenReady("skills-chart-data", "skills-chart", function (canvas, figures) {
    window.openlerChart.bars(canvas, figures, {
      series: [{ label: figures.title, data: figures.counts, colour: ["--accent", "#0b5394"] }],
      extra: 4,
      title: figures.title,
      legend: false,
      ticks: { precision: 0, stepSize: 1 },
      tooltip: {
        callbacks: {
          label: function (item) {
            return item.raw + (item.raw === 1 ? " credential" : " credentials");
          }
        }
      }
    });
  });
})();
