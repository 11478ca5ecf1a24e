// While a publication runs, ask for its state every two seconds and reload when done.
(function () {
  "use strict";
  var box = document.getElementById("publication");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var stage = box.querySelector("[data-field=stage]");
  function poll() {
    fetch(box.dataset.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (["published", "unchanged", "rejected", "failed"].indexOf(state.status) >= 0) {
          window.location.reload();
          return;
        }
        if (bar) { bar.value = state.progress; }
        if (stage) { stage.textContent = state.stage; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
