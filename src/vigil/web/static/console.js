// Vigil console: draws a series chart (uPlot) from the JSON the page carries.
// Values as a line, the detector's expected band shaded, anomalies as red dots.
(function () {
  "use strict";
  var holder = document.getElementById("chart");
  var source = document.getElementById("chart-data");
  if (!holder || !source || typeof uPlot === "undefined") { return; }
  var d = JSON.parse(source.textContent);
  var ANOMALY = "#d50000";
  function width() { return Math.max(280, holder.clientWidth); }
  function height() { return window.innerWidth < 600 ? 260 : 360; }
  var opts = {
    width: width(), height: height(),
    scales: { x: { time: true } },
    series: [
      {},
      { label: d.series, stroke: "#0b4f8a", width: 1.5 },
      { label: "expected low", stroke: "#6c8ead", width: 1, dash: [4, 4] },
      { label: "expected high", stroke: "#6c8ead", width: 1, dash: [4, 4] },
      { label: "anomaly", stroke: ANOMALY, fill: ANOMALY, width: 0,
        paths: function () { return null; },
        points: { show: true, space: 0, size: 12, width: 2, stroke: "#7f0000", fill: ANOMALY } }
    ],
    bands: [{ series: [3, 2], fill: "rgba(11, 79, 138, 0.12)" }],
    axes: [{}, { size: 60 }],
    legend: { live: true }
  };
  var data = [d.ts, d.values, d.lower, d.upper, d.anomalies];
  var chart = new uPlot(opts, data, holder);
  holder.setAttribute("data-anomalies", String(d.anomaly_count));
  holder.setAttribute("data-ready", "true");
  window.vigilChart = chart;
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () { chart.setSize({ width: width(), height: height() }); }, 100);
  });
})();
