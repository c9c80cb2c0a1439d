/* Draws every chart on the page from the figure JSON the server embedded beside it (json_script).
   No data is fetched: the numbers are already in the page, and in the table under each chart. */
(function () {
  "use strict";

  var CONFIG = {
    responsive: true,
    displaylogo: false,
    // plotly.js 4 adds a "Share chart..." button by default that uploads the chart to Plotly's cloud; nothing leaves this site.
    showSendToCloud: false,
    // The page's own "Download PNG" button replaces plotly's: it puts the chart's title into the image.
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "toImage"],
  };

  function figureFor(id) {
    var script = document.getElementById(id);
    return script ? JSON.parse(script.textContent) : null;
  }

  // On the page the chart's heading is HTML, so plotly's copy of the title is left out (it would be cut off
  // on a phone); the PNG download keeps it, because an image travels without the page around it.
  function withoutTitle(layout) {
    var copy = Object.assign({}, layout, { title: { text: "" } });
    var margin = Object.assign({}, layout.margin || {});
    margin.t = Math.max(16, (margin.t || 48) - 32);
    copy.margin = margin;
    return copy;
  }

  function draw(container) {
    var figure = figureFor(container.dataset.chart);
    if (!figure) return;
    window.Plotly.newPlot(container, figure.data, withoutTitle(figure.layout), CONFIG).then(function () {
      linkBars(container, figure.layout.meta && figure.layout.meta.links);
      container.setAttribute("data-drawn", "true");
    });
  }

  // A chart whose layout.meta.links maps figure ids to pages opens a bar's figure when the bar is clicked; the data
  // table under the chart links the same figures for the keyboard and for screen readers.
  function linkBars(container, links) {
    if (!links) return;
    container.classList.add("has-links");
    container.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      var url = point && links[String(point.customdata)];
      if (url) window.location.assign(url);
    });
  }

  function downloadPng(button) {
    var container = document.querySelector('[data-chart="' + button.dataset.target + '"]');
    var figure = container && figureFor(container.dataset.chart);
    if (!figure) return;
    window.Plotly.downloadImage(
      { data: figure.data, layout: figure.layout },
      { format: "png", filename: container.dataset.filename, width: 1200, height: figure.layout.height || 700, scale: 1 }
    );
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Plotly) return;
    document.querySelectorAll(".chart-plot").forEach(draw);
    document.querySelectorAll(".png-download").forEach(function (button) {
      button.addEventListener("click", function () { downloadPng(button); });
    });
  });
})();
