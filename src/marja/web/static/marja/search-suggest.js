// Suggestions under every search box marked data-suggest (an ARIA combobox).
// Without JavaScript the box is an ordinary search form; with it, the best datasets and
// organisations for what has been typed appear as links. The server matches Persian
// forms (ي/ی, ك/ک, ZWNJ, digits), so the list is never filtered again here.
(function () {
  "use strict";
  var counter = 0;

  function setUp(input) {
    counter += 1;
    var list = document.createElement("ul");
    list.id = "suggestions-" + counter;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.parentElement.classList.add("has-suggestions");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var timer = null;
    var asked = 0;
    var active = -1;

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    function show(answer) {
      list.textContent = "";
      var entries = answer.organisations.concat(answer.datasets);
      entries.forEach(function (entry, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var link = document.createElement("a");
        link.href = entry.url;
        link.tabIndex = -1;
        link.textContent = entry.title;
        var note = document.createElement("small");
        note.textContent = entry.publisher || entry.kind || "";
        link.appendChild(note);
        item.appendChild(link);
        list.appendChild(item);
      });
      list.hidden = entries.length === 0;
      input.setAttribute("aria-expanded", entries.length ? "true" : "false");
      active = -1;
    }

    function ask() {
      var text = input.value.trim();
      if (!text) {
        close();
        return;
      }
      var mine = ++asked;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : { datasets: [], organisations: [] };
        })
        .then(function (answer) {
          if (mine === asked) show(answer);
        })
        .catch(close);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        if (event.key === "ArrowDown" && input.value.trim()) ask();
        return;
      }
      if (event.key === "ArrowDown") {
        highlight(active + 1);
        event.preventDefault();
      } else if (event.key === "ArrowUp") {
        highlight(active - 1);
        event.preventDefault();
      } else if (event.key === "Escape") {
        event.preventDefault(); // close the list only; a second Escape clears the box
        close();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.assign(options()[active].querySelector("a").href);
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 200);
    });
  }

  document.querySelectorAll("input[data-suggest]").forEach(setUp);
})();
