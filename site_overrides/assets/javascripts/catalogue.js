/* Filters for the service catalogue (services/) and the team list (teams/).
 *
 * The page lists everything; this script only hides. A filter form is marked
 * [data-charter-filter] (hidden until this script shows it); the things it filters are
 * [data-filter-item] elements and the data rows (<tr> with <td>) of [data-filter-rows] table
 * bodies (marked once, not on each of thousands of rows). A <select data-filter-key="c">
 * compares the tokens of its selected option (data-match, else its value; space-separated)
 * with the item's data-c tokens, or its table body's: the item stays when they share one (an
 * empty value keeps all). An <input data-filter-text> keeps items whose text (with their
 * table body's heading row: the team and its group) holds every word typed. Lists marked
 * [data-filter-list], and table bodies, with nothing left are hidden with their heading.
 * Controls with
 * data-filter-param are mirrored in the address (?for=...&goal=...), so a filtered catalogue
 * can be bookmarked and shared.
 *
 * Works on a normal page load and with mkdocs-material's instant navigation (document$).
 */
(function () {
  "use strict";

  function tokens(text) {
    return (text || "").split(/\s+/).filter(Boolean);
  }

  function setup(root) {
    var form = root.querySelector("[data-charter-filter]");
    if (!form || form.dataset.charterReady) {
      return;
    }
    form.dataset.charterReady = "true";
    var items = Array.prototype.slice
      .call(root.querySelectorAll("[data-filter-item], [data-filter-rows] > tr"))
      .filter(function (item) {
        return item.tagName !== "TR" || !item.querySelector("th");  // not a heading row
      });
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter-key]"));
    var text = form.querySelector("[data-filter-text]");
    var count = form.querySelector("[data-filter-count]");
    var lists = Array.prototype.slice.call(root.querySelectorAll("[data-filter-list]"));
    var bodies = Array.prototype.slice.call(root.querySelectorAll("[data-filter-rows]"));
    var haystacks = items.map(function (item) {
      var heading = item.parentElement.hasAttribute("data-filter-rows")
        ? item.parentElement.querySelector("th")
        : null;
      return ((heading ? heading.textContent + " " : "") + item.textContent).toLowerCase();
    });

    // A filter value is on the item, else on its table body (the group of a team's rows).
    function data(item, key) {
      var value = item.dataset[key];
      if (value === undefined && item.parentElement.hasAttribute("data-filter-rows")) {
        value = item.parentElement.dataset[key];
      }
      return value;
    }
    var params = new URLSearchParams(window.location.search);

    // Start from the address: ?for=<team, group or segment id>&group=y&goal=z&words=...
    selects.concat(text ? [text] : []).forEach(function (control) {
      var name = control.dataset.filterParam;
      if (name && params.has(name)) {
        control.value = params.get(name);
      }
    });

    function apply() {
      var words = text ? tokens(text.value.toLowerCase()) : [];
      var wanted = selects.map(function (select) {
        var option = select.options[select.selectedIndex];
        var match = option && option.dataset.match !== undefined ? option.dataset.match : select.value;
        return { key: select.dataset.filterKey, values: select.value ? tokens(match) : [] };
      });
      var shown = 0;
      items.forEach(function (item, index) {
        var keep = wanted.every(function (want) {
          if (!want.values.length) {
            return true;
          }
          var have = tokens(data(item, want.key));
          return want.values.some(function (value) {
            return have.indexOf(value) !== -1;
          });
        });
        keep = keep && words.every(function (word) {
          return haystacks[index].indexOf(word) !== -1;
        });
        item.hidden = !keep;
        if (keep) {
          shown += 1;
        }
      });
      bodies.forEach(function (body) {
        body.hidden = !body.querySelector("tr:not([hidden]) > td");
      });
      lists.forEach(function (list) {
        var empty = !list.querySelector("[data-filter-item]:not([hidden])");
        list.hidden = empty;
        var heading = list.previousElementSibling;
        if (heading && /^H[1-6]$/.test(heading.tagName)) {
          heading.hidden = empty;
        }
      });
      if (count) {
        count.textContent = shown === items.length
          ? "Showing all " + items.length
          : "Showing " + shown + " of " + items.length;
      }
      var url = new URL(window.location.href);
      selects.concat(text ? [text] : []).forEach(function (control) {
        var name = control.dataset.filterParam;
        if (!name) {
          return;
        }
        if (control.value) {
          url.searchParams.set(name, control.value);
        } else {
          url.searchParams.delete(name);
        }
      });
      if (url.href !== window.location.href) {
        window.history.replaceState(window.history.state, "", url.href);
      }
    }

    selects.forEach(function (select) {
      select.addEventListener("change", apply);
    });
    if (text) {
      text.addEventListener("input", apply);
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    form.hidden = false;
    apply();
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(function () {
      setup(document);
    });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      setup(document);
    });
  } else {
    setup(document);
  }
})();
