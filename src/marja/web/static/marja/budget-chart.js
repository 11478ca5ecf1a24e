// Draws a budget's amounts per county (billions of rials) as grouped bars, with Chart.js
// (served by marja, from npm): one series per scenario, or a scenario against last year.
// The figures come from the JSON the page embeds; the same figures are in its table.
(function () {
  "use strict";
  var source = document.getElementById("budget-data");
  var canvas = document.getElementById("budget-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data || !data.series) { return; }
  var rtl = document.documentElement.dir === "rtl";
  var locale = document.documentElement.lang === "en" ? "en-US" : "fa-IR";
  var numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  var colours = ["#0f5f73", "#c0392b", "#8e6c1f", "#4b6f44", "#6b4c8a", "#2c3e50", "#9aa5ab"];
  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  canvas.dataset.ready = "false";
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.counties,
      datasets: data.series.map(function (series, index) {
        var colour = colours[index % colours.length];
        return { label: series.name, data: series.values, backgroundColor: colour, borderColor: colour };
      })
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { rtl: rtl, position: "bottom" },
        tooltip: {
          rtl: rtl,
          callbacks: {
            label: function (context) {
              return context.dataset.label + ": " + numbers.format(context.parsed.y) + " " + data.unit;
            }
          }
        }
      },
      scales: {
        x: { reverse: rtl },
        y: { title: { display: true, text: data.unit }, ticks: { callback: function (value) { return numbers.format(value); } } }
      }
    }
  });
  canvas.dataset.ready = "true";
})();
