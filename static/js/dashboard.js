// The supervision dashboard's charts. Data comes from a json_script tag (no inline JS); every
// bar and point carries the URL of the list behind it, opened on click.
(function () {
  "use strict";
  var source = document.getElementById("board-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var L = data.labels;
  var charts = [];

  function open(params) {
    var url = params.data && params.data.url;
    if (url) { window.location.href = url; }
  }

  function make(holder, option) {
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption(option);
    chart.on("click", open);
    charts.push(chart);
  }

  function bars(rows, name, horizontal) {
    var names = rows.map(function (r) { return r.name; });
    var values = rows.map(function (r) { return { value: r.value, url: r.url }; });
    var category = { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 40 } };
    var value = { type: "value", minInterval: 1 };
    if (horizontal) { category.inverse = true; }
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [{ name: name, type: "bar", data: values, cursor: "pointer", label: { show: horizontal, position: "right" } }]
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (holder) {
    var kind = holder.getAttribute("data-chart");
    if (kind === "category") { make(holder, bars(data.category, L.problems, true)); }
    if (kind === "town") { make(holder, bars(data.town, L.problems, false)); }
    if (kind === "units") { make(holder, bars(data.units, L.overdue, true)); }
    if (kind === "batch") {
      make(holder, {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.batch.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: L.issued, type: "bar", cursor: "pointer", data: data.batch.map(function (r) { return { value: r.issued, url: r.issued_url }; }) },
          { name: L.closed_batch, type: "bar", cursor: "pointer", data: data.batch.map(function (r) { return { value: r.closed, url: r.url }; }) }
        ]
      });
    }
    if (kind === "timeline") {
      var points = data.timeline.points;
      make(holder, {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: points.map(function (p) { return p.name; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: L.problems, type: "line", cursor: "pointer", data: points.map(function (p) { return { value: p.raised, url: p.url }; }) },
          { name: L.closed, type: "line", cursor: "pointer", data: points.map(function (p) { return { value: p.closed, url: p.closed_url }; }) }
        ]
      });
    }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
