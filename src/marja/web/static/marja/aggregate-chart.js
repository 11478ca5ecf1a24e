// Draws the summary of the data page with Chart.js (served by marja, from npm).
// The figures come from the JSON the page embeds; labels are already Persian.
(function () {
  "use strict";
  var source = document.getElementById("aggregate-data");
  var canvas = document.getElementById("aggregate-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var rtl = document.documentElement.dir === "rtl";
  var locale = document.documentElement.lang === "en" ? "en-US" : "fa-IR";
  var numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  var colours = ["#0f5f73", "#c0392b", "#2e8b57", "#d68910", "#6c3483", "#1f618d",
                 "#7d6608", "#a04000", "#117864", "#5d6d7e", "#922b21", "#1e8449"];
  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  var datasets = data.series.map(function (series, i) {
    var colour = colours[i % colours.length];
    return {
      label: series.name,
      data: series.values,
      backgroundColor: colour,
      borderColor: colour,
      fill: false,
      tension: 0.2
    };
  });
  canvas.dataset.ready = "false";
  var chart = new Chart(canvas, {
    type: data.kind === "line" ? "line" : "bar",
    data: { labels: data.labels, datasets: datasets },
    options: {
      animation: false,
      responsive: true,
      locale: locale,
      plugins: {
        legend: { rtl: rtl, display: datasets.length > 1 || Boolean(data.measure), title: { display: Boolean(data.measure), text: data.measure || "" } },
        tooltip: {
          rtl: rtl,
          callbacks: {
            label: function (context) {
              return context.dataset.label + ": " + numbers.format(context.parsed.y);
            }
          }
        }
      },
      scales: {
        x: { reverse: rtl, ticks: { autoSkip: true, maxRotation: 60 } },
        y: {
          position: rtl ? "right" : "left",
          beginAtZero: true,
          ticks: { callback: function (value) { return numbers.format(value); } }
        }
      }
    }
  });
  canvas.dataset.ready = chart ? "true" : "false";
})();
