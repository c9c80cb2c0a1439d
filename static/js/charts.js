/* Draws every chart on the page from the figure JSON the server embedded beside it (json_script).
   No data is fetched: the numbers are already in the page, and in the table under each chart. */
(function () {
  "use strict";

  var CONFIG = {
    responsive: true,
    displaylogo: false,
    // plotly.js 4 adds a "Share chart..." button by default that uploads the chart to Plotly's cloud; nothing leaves this site.
    showSendToCloud: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
  };

  function figureFor(id) {
    var script = document.getElementById(id);
    return script ? JSON.parse(script.textContent) : null;
  }

  function draw(container) {
    var figure = figureFor(container.dataset.chart);
    if (!figure) return;
    var config = Object.assign({}, CONFIG, {
      toImageButtonOptions: { format: "png", filename: container.dataset.filename, scale: 2 },
    });
    window.Plotly.newPlot(container, figure.data, figure.layout, config).then(function () {
      container.setAttribute("data-drawn", "true");
    });
  }

  function downloadPng(button) {
    var container = document.querySelector('[data-chart="' + button.dataset.target + '"]');
    if (!container) return;
    window.Plotly.downloadImage(container, { format: "png", filename: container.dataset.filename, width: 1200, height: 700, scale: 1 });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Plotly) return;
    document.querySelectorAll(".chart-plot").forEach(draw);
    document.querySelectorAll(".png-download").forEach(function (button) {
      button.addEventListener("click", function () { downloadPng(button); });
    });
  });
})();
