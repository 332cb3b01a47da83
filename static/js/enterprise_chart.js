// The yearly-figures trend on a firm's file. Data comes from a json_script tag (no inline JS).
(function () {
  "use strict";
  var holder = document.getElementById("year-chart");
  var source = document.getElementById("chart-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.years },
    yAxis: { type: "value", name: data.unit },
    series: data.series.map(function (s) {
      return { name: s.name, type: "line", data: s.data, connectNulls: true, smooth: false };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
