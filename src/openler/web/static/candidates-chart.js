// The candidates chart of an employer's posting: one horizontal bar a candidate, its score
// out of 100 split into what the required and what the preferred skills add. The table
// after the chart holds the same figures (what a screen reader reads, and what shows
// without this script); the chart only draws them.
(function () {
  "use strict";

  window.openlerChart.whenReady("candidates-chart-data", "candidates-chart", function (canvas, figures) {
    window.openlerChart.bars(canvas, figures, {
      series: [
        { label: figures.titles[0], data: figures.required, colour: ["--accent", "#0b5394"] },
        { label: figures.titles[1], data: figures.preferred, colour: ["--accent-light", "#6a8fbf"] }
      ],
      extra: 6,
      max: 100,
      legend: "bottom"
    });
  });
})();
