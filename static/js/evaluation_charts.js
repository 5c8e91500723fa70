// The results page's bar charts (ECharts), drawn from the data the page holds in #evaluation-charts. Each chart is
// hidden from assistive technology: the table beside it holds the same figures.
(function () {
  "use strict";
  var holder = document.getElementById("evaluation-charts");
  if (!holder || typeof echarts === "undefined") return;
  var charts = JSON.parse(holder.textContent);
  charts.forEach(function (chart) {
    var element = document.getElementById(chart.id);
    if (!element) return;
    element.style.height = "220px";
    var drawn = echarts.init(element, null, { renderer: "svg" });
    drawn.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 16, bottom: 40 },
      xAxis: { type: "category", data: chart.labels, axisLabel: { interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: chart.values, itemStyle: { color: "#173d6e" } }],
    });
    window.addEventListener("resize", function () { drawn.resize(); });
  });
})();
