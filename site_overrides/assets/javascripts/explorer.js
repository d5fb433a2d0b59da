/* The dependency explorer (map/explorer/): pick a team or service, see what it waits on and
   who waits on it, transitively, and its longest blocking chain.

   Our own small script, no library. Data: the JSON block #map-explorer-data written by
   generator/maps.py explorer_data() (lists indexed by position). The page works without it:
   the map's team boxes are links and the list of teams is plain HTML. With it, selecting a
   team on the map (click, or Tab to it and press Enter or Space) highlights instead of
   following the link; the panel links to the team's page. Text from the charters is only
   ever set with textContent, never parsed as HTML. */
(function () {
  "use strict";

  var root = document.querySelector("[data-map-explorer]");
  var source = document.getElementById("map-explorer-data");
  if (!root || !source) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var groups = data.groups;
  var teams = data.teams;
  var services = data.services;
  var BLOCKING = 1;
  var UNACKNOWLEDGED = 2;
  var INFEASIBLE_LINK = 4;
  var BOTTLENECK = 1;
  var INFEASIBLE = 2;

  // Adjacency, both ways: waitsOn[s] = [[provider, flags]], waitedBy[p] = [[consumer, flags]].
  var waitsOn = services.map(function () { return []; });
  var waitedBy = services.map(function () { return []; });
  data.deps.forEach(function (dep) {
    waitsOn[dep[0]].push([dep[1], dep[2]]);
    waitedBy[dep[1]].push([dep[0], dep[2]]);
  });
  var servicesOf = teams.map(function () { return []; });
  services.forEach(function (service, i) { servicesOf[service[2]].push(i); });
  var teamAt = {};
  teams.forEach(function (team, i) { teamAt[team[0]] = i; });
  var serviceAt = {};
  services.forEach(function (service, i) { serviceAt[service[0]] = i; });

  var form = root.querySelector(".map-explorer-controls");
  var pick = root.querySelector("#map-explorer-pick");
  var options = root.querySelector("#map-explorer-options");
  var groupSelect = root.querySelector("#map-explorer-group");
  var status = root.querySelector(".map-explorer-status");
  var panel = root.querySelector(".map-explorer-result");
  var svg = root.querySelector("svg.map-svg");
  var pills = svg ? Array.prototype.slice.call(svg.querySelectorAll(".map-node[data-team]")) : [];
  var clusters = svg ? Array.prototype.slice.call(svg.querySelectorAll(".map-cluster[data-group]")) : [];
  var selection = null; // {kind: "team" | "service", index}

  form.hidden = false;
  root.querySelector(".map-explorer-nojs").hidden = true;
  root.classList.add("is-interactive");

  // Options of the search field: every team, then every service.
  var fragment = document.createDocumentFragment();
  teams.forEach(function (team) {
    var option = document.createElement("option");
    option.value = team[1] + " (" + team[0] + ")";
    fragment.appendChild(option);
  });
  services.forEach(function (service) {
    var option = document.createElement("option");
    option.value = service[1] + " \u2014 " + teams[service[2]][1] + " (" + service[0] + ")";
    fragment.appendChild(option);
  });
  options.appendChild(fragment);

  function teamHref(teamIndex, anchor) {
    return data.root + "teams/" + teams[teamIndex][0] + "/" + (anchor ? "#" + anchor : "");
  }

  function serviceHref(serviceIndex) {
    var key = services[serviceIndex][0];
    return teamHref(services[serviceIndex][2], key.slice(key.indexOf("/") + 1));
  }

  // Breadth-first: every service reachable from `starts`, with its distance in steps.
  function reach(starts, adjacency) {
    var distance = new Map();
    var queue = starts.slice();
    starts.forEach(function (s) { distance.set(s, 0); });
    for (var head = 0; head < queue.length; head++) {
      var current = queue[head];
      adjacency[current].forEach(function (edge) {
        if (!distance.has(edge[0])) {
          distance.set(edge[0], distance.get(current) + 1);
          queue.push(edge[0]);
        }
      });
    }
    starts.forEach(function (s) { distance.delete(s); });
    return distance;
  }

  function selectedServices() {
    if (!selection) {
      return [];
    }
    return selection.kind === "team" ? servicesOf[selection.index] : [selection.index];
  }

  function selectedTeam() {
    if (!selection) {
      return -1;
    }
    return selection.kind === "team" ? selection.index : services[selection.index][2];
  }

  function inGroup(teamIndex) {
    var group = groupSelect.value;
    return !group || groups[teams[teamIndex][2]][0] === group;
  }

  function teamsOf(distances) {
    var result = new Set();
    distances.forEach(function (_, s) { result.add(services[s][2]); });
    return result;
  }

  function count(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function link(href, text) {
    var a = el("a", "", text);
    a.href = href;
    return a;
  }

  function selectButton(kind, index, text) {
    var button = el("button", "map-explorer-pick", text);
    button.type = "button";
    button.dataset.kind = kind;
    button.dataset.index = String(index);
    return button;
  }

  // One service in a list: a button that selects it, its team's page, its flags in words.
  function serviceItem(s, extra) {
    var item = el("li");
    var service = services[s];
    item.appendChild(selectButton("service", s, service[1]));
    item.appendChild(el("span", "map-explorer-note", " of "));
    item.appendChild(link(teamHref(service[2]), teams[service[2]][1]));
    var notes = [service[3]];
    if (service[4] & BOTTLENECK) {
      notes.push("bottleneck");
    }
    if (service[4] & INFEASIBLE) {
      notes.push("infeasible promise");
    }
    if (extra) {
      notes = notes.concat(extra);
    }
    item.appendChild(el("span", "map-explorer-note", " (" + notes.join("; ") + ")"));
    return item;
  }

  function flagWords(flags) {
    var words = [(flags & BLOCKING) ? "blocking" : "not blocking"];
    if (flags & UNACKNOWLEDGED) {
      words.push("unacknowledged");
    }
    if (flags & INFEASIBLE_LINK) {
      words.push("on an infeasible chain");
    }
    return words;
  }

  // The services at each distance, nearest first; hidden ones counted when a group filters.
  function distanceList(title, distances, adjacencyBack, own) {
    var section = el("section", "map-explorer-side");
    var teamCount = teamsOf(distances).size;
    section.appendChild(el("h3", "", title + ": " + count(distances.size, "service") + " in " +
      count(teamCount, "team")));
    if (!distances.size) {
      section.appendChild(el("p", "map-explorer-note", "None."));
      return section;
    }
    var byStep = [];
    var hidden = 0;
    distances.forEach(function (step, s) {
      if (!inGroup(services[s][2])) {
        hidden++;
        return;
      }
      (byStep[step] = byStep[step] || []).push(s);
    });
    byStep.forEach(function (list, step) {
      if (!list) {
        return;
      }
      list.sort(function (a, b) { return a - b; });
      section.appendChild(el("h4", "", step === 1 ? "Directly" : step + " steps away"));
      var ul = el("ul", "map-explorer-list");
      list.forEach(function (s) {
        var extra = [];
        if (step === 1) {
          adjacencyBack[s].forEach(function (edge) {
            if (own.has(edge[0])) {
              extra = extra.concat(flagWords(edge[1]));
            }
          });
        }
        ul.appendChild(serviceItem(s, Array.from(new Set(extra))));
      });
      section.appendChild(ul);
    });
    if (hidden) {
      section.appendChild(el("p", "map-explorer-note",
        hidden + " more outside the chosen group (choose All groups to see them)."));
    }
    return section;
  }

  // The longest blocking chain from a service, following the precomputed next links.
  function chainOf(s) {
    var chain = [s];
    var seen = new Set(chain);
    var next = data.chain[s];
    while (next >= 0 && !seen.has(next)) {
      chain.push(next);
      seen.add(next);
      next = data.chain[next];
    }
    return chain;
  }

  function chainSection(own) {
    var section = el("section", "map-explorer-chains");
    section.appendChild(el("h3", "", "Longest blocking chain"));
    var any = false;
    own.forEach(function (s) {
      var chain = chainOf(s);
      if (chain.length < 2) {
        return;
      }
      any = true;
      if (own.length > 1) {
        section.appendChild(el("h4", "", services[s][1]));
      }
      var message = data.infeasible[String(s)];
      if (message) {
        section.appendChild(el("p", "map-explorer-warning", "Infeasible promise: " + message));
      }
      var ol = el("ol", "map-explorer-chain");
      chain.forEach(function (c, i) {
        var item = serviceItem(c);
        if (i > 0) {
          item.insertBefore(el("span", "map-explorer-note", "waits on "), item.firstChild);
        }
        ol.appendChild(item);
      });
      section.appendChild(ol);
    });
    if (!any) {
      section.appendChild(el("p", "map-explorer-note", "No blocking dependency: nothing holds it up."));
    }
    return section;
  }

  function render() {
    var own = selectedServices();
    var ownSet = new Set(own);
    var team = selectedTeam();
    var up = reach(own, waitsOn);
    var down = reach(own, waitedBy);
    ownSet.forEach(function (s) { up.delete(s); down.delete(s); });
    var upTeams = teamsOf(up);
    var downTeams = teamsOf(down);
    var group = groupSelect.value;

    pills.forEach(function (pill) {
      var t = teamAt[pill.dataset.team];
      var chosen = selection !== null;
      pill.classList.toggle("is-selected", t === team);
      pill.classList.toggle("is-upstream", t !== team && upTeams.has(t));
      pill.classList.toggle("is-downstream", t !== team && downTeams.has(t));
      var related = t === team || upTeams.has(t) || downTeams.has(t);
      pill.classList.toggle("is-dimmed", t !== team && ((chosen && !related) || !inGroup(t)));
    });
    clusters.forEach(function (cluster) {
      cluster.classList.toggle("is-dimmed", !!group && cluster.dataset.group !== group);
    });
    if (svg) {
      svg.classList.toggle("has-selection", selection !== null);
    }

    panel.textContent = "";
    if (!selection) {
      panel.hidden = true;
      status.textContent = group ? "Showing " + groupSelect.selectedOptions[0].textContent + "." : "";
      return;
    }
    panel.hidden = false;
    var heading = el("h2", "map-explorer-title");
    if (selection.kind === "team") {
      heading.appendChild(document.createTextNode(teams[team][1] + " "));
      heading.appendChild(el("span", "map-explorer-note", "(team, " + groups[teams[team][2]][1] + ")"));
    } else {
      heading.appendChild(document.createTextNode(services[selection.index][1] + " "));
      heading.appendChild(el("span", "map-explorer-note", "(service of " + teams[team][1] + ")"));
    }
    panel.appendChild(heading);
    var open = el("p");
    open.appendChild(link(selection.kind === "team" ? teamHref(team) : serviceHref(selection.index),
      "Open " + (selection.kind === "team" ? "the team's page" : "the service on its team's page")));
    panel.appendChild(open);
    var columns = el("div", "map-explorer-columns");
    columns.appendChild(distanceList("Waits on", up, waitedBy, ownSet));
    columns.appendChild(distanceList("Relied on by", down, waitsOn, ownSet));
    panel.appendChild(columns);
    panel.appendChild(chainSection(own));
    status.textContent = (selection.kind === "team" ? teams[team][1] : services[selection.index][1]) +
      " selected: waits on " + count(up.size, "service") + " in " + count(upTeams.size, "team") +
      "; " + count(down.size, "service") + " in " + count(downTeams.size, "team") +
      (down.size === 1 ? " waits" : " wait") + " on it.";
  }

  function select(kind, index, updateHash) {
    selection = index === null || index === undefined || index < 0 ? null : { kind: kind, index: index };
    if (selection) {
      pick.value = kind === "team"
        ? teams[index][1] + " (" + teams[index][0] + ")"
        : services[index][1] + " \u2014 " + teams[services[index][2]][1] + " (" + services[index][0] + ")";
    } else {
      pick.value = "";
    }
    if (updateHash !== false) {
      var hash = selection ? "#" + (kind === "team" ? teams[index][0] : services[index][0]) : " ";
      history.replaceState(null, "", hash === " " ? location.pathname + location.search : hash);
    }
    render();
  }

  // "Name (id)" from the list, or a bare team id or team/service key typed in.
  function resolve(text) {
    var match = /\(([a-z0-9-]+(?:\/[a-z0-9-]+)?)\)\s*$/.exec(text.trim());
    var id = match ? match[1] : text.trim().toLowerCase();
    if (Object.prototype.hasOwnProperty.call(serviceAt, id)) {
      return { kind: "service", index: serviceAt[id] };
    }
    if (Object.prototype.hasOwnProperty.call(teamAt, id)) {
      return { kind: "team", index: teamAt[id] };
    }
    return null;
  }

  pick.addEventListener("change", function () {
    var found = resolve(pick.value);
    if (found) {
      select(found.kind, found.index);
    } else if (pick.value.trim()) {
      status.textContent = "No team or service matches \u201c" + pick.value + "\u201d: pick one from the list.";
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var found = resolve(pick.value);
    if (found) {
      select(found.kind, found.index);
    }
  });
  groupSelect.addEventListener("change", render);
  root.querySelector("[data-action=clear]").addEventListener("click", function () {
    groupSelect.value = "";
    select(null, null);
    pick.focus();
  });
  panel.addEventListener("click", function (event) {
    var button = event.target.closest("button.map-explorer-pick");
    if (button) {
      select(button.dataset.kind, Number(button.dataset.index));
      panel.querySelector(".map-explorer-title").setAttribute("tabindex", "-1");
      panel.querySelector(".map-explorer-title").focus();
    }
  });

  // On the map, a team box selects the team; Enter fires click on a link, Space we add.
  if (svg) {
    svg.addEventListener("click", function (event) {
      var pill = event.target.closest(".map-node[data-team]");
      if (!pill || event.ctrlKey || event.metaKey || event.shiftKey) {
        return; // modified clicks still open the team page, e.g. in a new tab
      }
      event.preventDefault();
      select("team", teamAt[pill.dataset.team]);
    });
    svg.addEventListener("keydown", function (event) {
      var pill = event.target.closest(".map-node[data-team]");
      if (pill && (event.key === " " || event.key === "Spacebar")) {
        event.preventDefault();
        select("team", teamAt[pill.dataset.team]);
      }
    });
  }

  // A link such as map/explorer/#team-id (from a team map's "+ more") selects on arrival.
  var initial = resolve(decodeURIComponent(location.hash.slice(1)));
  if (initial) {
    select(initial.kind, initial.index, false);
  }
})();
