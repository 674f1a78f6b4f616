// The gap chart of the career navigator: one horizontal bar a skill the occupation needs, as
// long as its importance, in one colour when a credential shows it and in another when it is
// missing (the missing ones first). The table after the chart holds the same figures (it is
// what a screen reader reads, and what shows without this script); the chart only draws them.
(function () {
  "use strict";

  window.openlerChart.whenReady("career-chart-data", "career-chart", function (canvas, figures) {
    window.openlerChart.bars(canvas, figures, {
      series: [
        { label: figures.missingLabel, data: figures.missing, colour: ["--gap", "#b34700"] },
        { label: figures.heldLabel, data: figures.held, colour: ["--accent", "#0b5394"] }
      ],
      extra: 7,
      max: 100,
      title: figures.title,
      legend: "top",
      tooltip: { filter: function (item) { return item.raw > 0; } }
    });
  });
})();
