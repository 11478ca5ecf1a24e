// Draws an indicator's values against its targets by year, and its counties, with
// Chart.js (served by marja, from npm). The figures come from the JSON the page embeds;
// the same figures are in the page's tables.
(function () {
  "use strict";
  var source = document.getElementById("indicator-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var rtl = document.documentElement.dir === "rtl";
  var locale = document.documentElement.lang === "en" ? "en-US" : "fa-IR";
  var numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  var years = new Intl.NumberFormat(locale, { useGrouping: false });
  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  function tooltip() {
    return {
      rtl: rtl,
      callbacks: {
        label: function (context) {
          return context.dataset.label + ": " + numbers.format(context.parsed.y);
        }
      }
    };
  }
  function axis() {
    return { ticks: { callback: function (value) { return numbers.format(value); } } };
  }
  var yearly = document.getElementById("indicator-chart");
  if (yearly) {
    yearly.dataset.ready = "false";
    new Chart(yearly, {
      type: "line",
      data: {
        labels: data.years.map(function (y) { return years.format(y); }),
        datasets: [
          { label: data.names.actual, data: data.actual, borderColor: "#0f5f73", backgroundColor: "#0f5f73", spanGaps: false, tension: 0.1 },
          { label: data.names.path, data: data.path, borderColor: "#9aa5ab", borderDash: [6, 4], pointRadius: 0, fill: false },
          { label: data.names.target, data: data.targets, borderColor: "#c0392b", backgroundColor: "#c0392b", showLine: false, pointStyle: "crossRot", pointRadius: 8 }
        ]
      },
      options: {
        animation: false, responsive: true, locale: locale,
        plugins: { legend: { rtl: rtl }, tooltip: tooltip() },
        scales: { y: axis() }
      }
    });
    yearly.dataset.ready = "true";
  }
  var counties = document.getElementById("county-chart");
  if (counties && data.counties.length) {
    counties.dataset.ready = "false";
    new Chart(counties, {
      type: "bar",
      data: { labels: data.counties, datasets: [{ label: data.unit || data.names.actual, data: data.county_values, backgroundColor: "#0f5f73" }] },
      options: {
        animation: false, responsive: true, locale: locale, indexAxis: "y",
        plugins: { legend: { display: false }, tooltip: tooltip() },
        scales: { x: Object.assign(axis(), { reverse: rtl }), y: { position: rtl ? "right" : "left" } }
      }
    });
    counties.dataset.ready = "true";
  }
}());
