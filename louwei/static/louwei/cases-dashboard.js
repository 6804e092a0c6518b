/* The rates' dashboards: draws the charts from the data the page holds in
   <script type="application/json" id="case-dashboard-data"> (written by json_script; no inline
   script, CSP). ECharts comes from /static/vendor/echarts/. */
(function () {
  "use strict";

  var COLOURS = { response: "#1F5A96", resolution: "#1D6B39", satisfaction: "#C8161D", on_time: "#8A4B00" };
  var NAMES = ["response", "resolution", "satisfaction", "on_time"];

  function percent(value) {
    return value === null || value === undefined ? "—" : value.toFixed(1) + "%";
  }

  function trend(node, data) {
    var chart = window.echarts.init(node, null, { renderer: "canvas" });
    var series = [{
      name: data.receivedLabel, type: "bar", yAxisIndex: 1, data: data.received,
      itemStyle: { color: "#D9DDE3" }, barMaxWidth: 24
    }];
    NAMES.forEach(function (name) {
      series.push({
        name: data.labels[name], type: "line", data: data.rates[name], connectNulls: false,
        symbolSize: 6, itemStyle: { color: COLOURS[name] }, lineStyle: { color: COLOURS[name], width: 2 },
        tooltip: { valueFormatter: percent }
      });
    });
    chart.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 8, right: 8, top: 24, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: data.months },
      yAxis: [
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        { type: "value", minInterval: 1, splitLine: { show: false } }
      ],
      series: series
    });
    return chart;
  }

  function compare(node, data) {
    var rows = data.rows;
    var chart = window.echarts.init(node, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText", valueFormatter: percent },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 8, right: 16, top: 8, bottom: 40, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: rows.labels, inverse: true, axisLabel: { width: 96, overflow: "truncate" } },
      series: NAMES.map(function (name) {
        return { name: data.labels[name], type: "bar", data: rows.rates[name], itemStyle: { color: COLOURS[name] } };
      })
    });
    return chart;
  }

  function start() {
    var source = document.getElementById("case-dashboard-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var trendNode = document.getElementById("case-trend");
    if (trendNode) { charts.push(trend(trendNode, data)); }
    var compareNode = document.getElementById("case-compare");
    if (compareNode && data.rows.labels.length) { charts.push(compare(compareNode, data)); }
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  /* A table that scrolls sideways fades at its right edge until it is scrolled to its end. */
  function scrollEdges() {
    document.querySelectorAll("[data-table-scroll]").forEach(function (box) {
      var wrap = box.querySelector(".table-wrap");
      if (!wrap) { return; }
      function update() {
        box.classList.toggle("at-end", wrap.scrollLeft + wrap.clientWidth >= wrap.scrollWidth - 2);
      }
      wrap.addEventListener("scroll", update, { passive: true });
      window.addEventListener("resize", update);
      update();
    });
  }

  function ready() {
    scrollEdges();
    start();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
