/* Draws every chart on the page from the figure JSON the server embedded beside it (json_script).
   No data is fetched: the numbers are already in the page, and in the table under each chart.

   Each chart is laid out for the width of its column when drawn, again when the window changes width, and again for
   print, so that it fits a phone, a desktop and a sheet of A4 or Letter without scrolling sideways. */
(function () {
  "use strict";

  var CONFIG = {
    responsive: false, // the chart is laid out again by fit() below, which also moves labels; plotly's own resize does not
    displaylogo: false,
    // plotly.js 4 adds a "Share chart..." button by default that uploads the chart to Plotly's cloud; nothing leaves this site.
    showSendToCloud: false,
    // The page's own "Download PNG" button replaces plotly's: it puts the chart's title into the image.
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "toImage"],
  };
  // Below this width a horizontal bar chart's category labels (who said it, and when) leave the axis, where they would
  // take most of the width, and sit on a line of their own above each bar.
  var NARROW = 600;
  // Nor may the labels beside the bars take more than this share of a wider chart: the plot keeps at least half.
  var LABEL_SHARE = 0.3;
  // The height of a line of labels at their 12 px size, and of a bar beneath them.
  var LINE = 15;
  var BAR = 22;
  var LABEL_SIZE = 12;
  var TICK_SIZE = 12;
  var charts = [];

  function figureFor(id) {
    var script = document.getElementById(id);
    return script ? JSON.parse(script.textContent) : null;
  }

  function copy(value) {
    return JSON.parse(JSON.stringify(value));
  }

  // On the page the chart's heading is HTML, so plotly's copy of the title is left out (it would be cut off
  // on a phone); the PNG download keeps it, because an image travels without the page around it.
  function withoutTitle(layout) {
    layout.title = { text: "" };
    var margin = Object.assign({}, layout.margin || {});
    margin.t = Math.max(16, (margin.t || 48) - 32);
    layout.margin = margin;
    return layout;
  }

  // Words in lines no wider than `width` pixels at the labels' size, measured in the page's own font; each line break
  // the server put in (between who said it, about what, and when) is kept.
  var measure = null;
  function textWidth(text) {
    if (!measure) {
      measure = document.createElement("canvas").getContext("2d");
      measure.font = LABEL_SIZE + "px " + getComputedStyle(document.body).fontFamily;
    }
    return measure.measureText(text).width;
  }

  function wrap(text, width) {
    var lines = [];
    text.split(/<br>/i).forEach(function (part) {
      var line = "";
      part.split(/\s+/).forEach(function (word) {
        var longer = line ? line + " " + word : word;
        if (line && textWidth(longer) > width) {
          lines.push(line);
          line = word;
        } else {
          line = longer;
        }
      });
      if (line) lines.push(line);
    });
    return lines;
  }

  // The widest line of any bar chart's category labels, as the axis would draw them.
  function widestLabel(layout) {
    var widest = 0;
    Object.keys(layout).forEach(function (key) {
      var axis = layout[key];
      if (!/^yaxis\d*$/.test(key) || !axis || !axis.ticktext) return;
      axis.ticktext.forEach(function (text) {
        String(text).split(/<br>/i).forEach(function (line) { widest = Math.max(widest, textWidth(line) * (TICK_SIZE + 1) / LABEL_SIZE); });
      });
    });
    return widest;
  }

  function axisName(key) {
    return key.replace("axis", ""); // "yaxis2" -> "y2"
  }

  // A horizontal bar chart's labels as annotations above the bars: the plot keeps nearly the whole width, and every
  // word of each label stays readable, wrapped to the width. A category axis is first turned into positions 0, 1, ...
  // with the categories as tick labels, so that a label can be placed at a fraction of a bar's slot.
  function labelsAboveBars(data, layout, width) {
    // A label starts at the left edge of the plot, inside the left margin, and must end inside the chart.
    var lineWidth = width - (layout.margin.l || 0) - 20;
    var axes = [];
    Object.keys(layout).forEach(function (key) {
      var axis = layout[key];
      if (!/^yaxis\d*$/.test(key) || !axis) return;
      var ref = axisName(key);
      var traces = data.filter(function (trace) { return (trace.yaxis || "y") === ref; });
      var bars = traces.filter(function (trace) { return trace.type === "bar" && trace.orientation === "h"; });
      if (!bars.length) return;
      if (!axis.ticktext) asPositions(axis, traces);
      axes.push({ ref: ref, axis: axis, bars: bars });
    });
    if (!axes.length) return;
    var group = layout.barmode === "group" ? Math.max.apply(null, axes.map(function (a) { return a.bars.length; })) : 1;
    axes.forEach(function (a) { a.labels = labelsWithValues(a, lineWidth); });
    var lines = Math.max.apply(null, axes.map(function (a) { return Math.max.apply(null, a.labels.map(function (l) { return l.length; })); }));
    var band = group * BAR;
    var slot = lines * LINE + band + 12;
    layout.bargap = 1 - band / slot;
    var slots = 0;
    axes.forEach(function (a) {
      var axis = a.axis;
      // The edge of a bar's slot nearest the top of the screen, where its label goes.
      var reversed = axis.autorange === "reversed";
      var up = reversed ? -1 : 1;
      // Room above the top bar for its label: the space between two bars holds the label of the lower one.
      var count = axis.tickvals.length;
      axis.range = reversed ? [count - 0.5, -1 + band / slot / 2] : [-0.5, count - band / slot / 2];
      axis.autorange = false;
      axis.showticklabels = false;
      axis.ticks = "";
      axis.zeroline = false; // the first bar sits at 0: a zero line would strike through its label
      layout.annotations = (layout.annotations || []).concat(
        axis.tickvals.map(function (value, index) {
          return {
            xref: "paper", x: 0, xanchor: "left", yref: a.ref, y: value + up * (band / slot / 2), yanchor: "bottom",
            text: a.labels[index].join("<br>"), align: "left", showarrow: false, font: { size: LABEL_SIZE },
          };
        })
      );
      slots += count + 0.5;
    });
    var margin = layout.margin;
    // As tall as the slots need: a taller chart would float each label away from its bar.
    layout.height = Math.ceil((margin.t || 0) + (margin.b || 0) + 80 + slots * slot * (axes.length > 1 ? 1.25 : 1));
  }

  // A category axis as positions: the categories in plotly's order (the axis's own, else first appearance), each
  // trace's categories replaced by their positions, and the names kept as the axis's tick labels.
  function asPositions(axis, traces) {
    var names = (axis.categoryarray || []).slice();
    traces.forEach(function (trace) {
      (trace.y || []).forEach(function (name) { if (names.indexOf(name) < 0) names.push(name); });
    });
    traces.forEach(function (trace) {
      trace.y = (trace.y || []).map(function (name) { return names.indexOf(name); });
    });
    axis.type = "linear";
    axis.tickvals = names.map(function (_, index) { return index; });
    axis.ticktext = names.map(String);
    delete axis.categoryarray;
    delete axis.categoryorder;
  }

  // A column chart's category labels wrapped to the width of their column of bars, level rather than turned on end,
  // where a turned label would take more of the chart's height than its plot.
  function levelCategories(data, layout, width) {
    var margin = layout.margin;
    Object.keys(layout).forEach(function (key) {
      var axis = layout[key];
      if (!/^xaxis\d*$/.test(key) || !axis || axis.type === "date") return;
      var ref = axisName(key);
      var traces = data.filter(function (trace) { return (trace.xaxis || "x") === ref && trace.type === "bar" && trace.orientation !== "h"; });
      var names = [];
      traces.forEach(function (trace) {
        (trace.x || []).forEach(function (name) { if (typeof name === "string" && names.indexOf(name) < 0) names.push(name); });
      });
      if (!names.length) return;
      var column = (width - (margin.l || 0) - (margin.r || 0) - 48) / names.length - 8;
      var wrapped = {};
      names.forEach(function (name) { wrapped[name] = wrap(name, column).join("<br>"); });
      traces.forEach(function (trace) { trace.x = trace.x.map(function (name) { return wrapped[name] || name; }); });
      axis.tickangle = 0;
    });
  }

  // A legend entry no wider than the chart.
  function shortLegend(data, width) {
    data.forEach(function (trace) {
      if (trace.name && textWidth(trace.name) > width - 60) trace.name = wrap(trace.name, width - 60).join("<br>");
    });
  }

  // Each bar's value joins its label, so that it needs no room beside the bar.
  function labelsWithValues(a, lineWidth) {
    var values = {};
    a.bars.forEach(function (trace) {
      (trace.y || []).forEach(function (position, index) {
        var text = Array.isArray(trace.text) ? trace.text[index] : trace.text;
        if (text) (values[position] = values[position] || []).push(text);
      });
      trace.textposition = "none";
    });
    return a.axis.ticktext.map(function (text, index) {
      var value = values[a.axis.tickvals[index]];
      return wrap(value ? text + ": " + value.join("; ") : text, lineWidth);
    });
  }

  // The layout for a column this wide: the server's, less the title, with the legend under everything (clear of the
  // axis titles), ticks no smaller than 12 px, and on a narrow column the labels above their bars.
  function fit(figure, width) {
    var data = copy(figure.data);
    var layout = withoutTitle(copy(figure.layout));
    layout.width = width;
    layout.autosize = false;
    if (layout.legend && layout.legend.orientation === "h" && !(layout.legend.y > 1)) {
      layout.legend = { orientation: "h", x: 0, xanchor: "left", yref: "container", y: 0, yanchor: "bottom" };
      layout.margin = Object.assign({}, layout.margin, { b: (layout.margin.b || 64) + 24 * legendRows(data, width) });
    }
    Object.keys(layout).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key) && layout[key]) {
        layout[key].tickfont = Object.assign({ size: TICK_SIZE }, layout[key].tickfont || {});
        layout[key].automargin = true;
      }
    });
    if (width < NARROW || widestLabel(layout) > width * LABEL_SHARE) {
      notesAtTheLeft(layout, width);
      labelsAboveBars(data, layout, width);
      levelCategories(data, layout, width);
      shortLegend(data, width);
      // A value written beside a narrow bar in smaller type than this is left to the hover and the table instead.
      layout.uniformtext = { mode: "hide", minsize: 11 };
      if (data.every(function (trace) { return trace.textposition === "none" || trace.type !== "bar"; })) layout.margin.r = 16;
    }
    return { data: data, layout: layout };
  }

  // Notes above the plot that hang from a point of the axis (a target band's label) start at the left instead, where
  // the whole line has room, wrapped to the width and stacked, with the top margin grown to hold them.
  function notesAtTheLeft(layout, width) {
    var above = 0;
    (layout.annotations || []).forEach(function (note) {
      if (note.yref !== "paper" || note.y < 1 || note.xref !== "x") return;
      var lines = wrap(note.text, width - 16);
      Object.assign(note, { xref: "paper", x: 0, xanchor: "left", align: "left", text: lines.join("<br>"), yshift: 4 + above * LINE });
      above += lines.length;
    });
    if (above) layout.margin.t = Math.max(layout.margin.t, 16 + above * LINE);
  }

  // How many rows a horizontal legend wraps to at this width: about 150 px an entry.
  function legendRows(data, width) {
    var entries = data.filter(function (trace) { return trace.showlegend !== false && trace.name; }).length;
    return Math.max(1, Math.ceil(entries / Math.max(1, Math.floor(width / 150))));
  }

  function draw(chart) {
    var width = Math.floor(chart.container.clientWidth);
    if (!width || width === chart.width) return Promise.resolve();
    chart.width = width;
    chart.container.setAttribute("data-drawn", "false");
    var fitted = fit(chart.figure, width);
    return window.Plotly.react(chart.container, fitted.data, fitted.layout, CONFIG).then(function () {
      chart.container.setAttribute("data-width", String(width));
      chart.container.setAttribute("data-drawn", "true");
    });
  }

  function drawAll() {
    charts.forEach(draw);
  }

  // A chart whose layout.meta.links maps figure ids to pages opens a bar's figure when the bar is clicked; the data
  // table under the chart links the same figures for the keyboard and for screen readers. Where there is no hover (a
  // phone), the first tap on a bar shows what hovering shows, and a second tap on the same bar opens its figure.
  function linkBars(chart) {
    var links = chart.figure.layout.meta && chart.figure.layout.meta.links;
    var container = chart.container;
    var shown = null;
    container.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (!point) return;
      var key = point.curveNumber + ":" + point.pointNumber;
      if (window.matchMedia("(hover: none)").matches && shown !== key) {
        shown = key;
        window.Plotly.Fx.hover(container, [{ curveNumber: point.curveNumber, pointNumber: point.pointNumber }], point.xaxis._id + point.yaxis._id);
        return;
      }
      var url = links && links[String(point.customdata)];
      if (url) window.location.assign(url);
    });
    if (links) container.classList.add("has-links");
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

  var pending = null;
  function drawSoon() {
    window.clearTimeout(pending);
    pending = window.setTimeout(drawAll, 100);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Plotly) return;
    document.querySelectorAll(".chart-plot").forEach(function (container) {
      var figure = figureFor(container.dataset.chart);
      if (!figure) return;
      var chart = { container: container, figure: figure, width: 0 };
      charts.push(chart);
      draw(chart).then(function () { linkBars(chart); });
    });
    document.querySelectorAll(".png-download").forEach(function (button) {
      button.addEventListener("click", function () { downloadPng(button); });
    });
    window.addEventListener("resize", drawSoon);
    // Print lays the page out at the sheet's width: the charts are drawn again for it before the page is printed, and
    // for the screen afterwards.
    window.addEventListener("beforeprint", drawAll);
    window.addEventListener("afterprint", drawAll);
    window.matchMedia("print").addEventListener("change", drawAll);
  });
})();
