/* The situation-room wall. One page that runs all day without anyone touching it:
   - rotates scenes (overview → cases → stations → field) and regions (city → each county);
   - refreshes each panel on its own interval and shows when it was last updated;
   - when the server cannot be reached it keeps the last figures, marks them stale with their
     age, retries with a growing pause (never longer than the panel's refresh period, whatever
     the rotation does), and recovers by itself;
   - builds its DOM once and reuses it (one map, one GeoJSON layer, fixed rows), so memory stays
     flat over days of rotation. */
(function () {
  "use strict";
  var C = JSON.parse(document.getElementById("wall-config").textContent);
  var T = C.text;
  var STEPS = C.steps.length ? C.steps : [{ code: "", name: "" }];
  var state = { step: 0, scene: 0, cache: {}, timers: {}, failures: {}, inflight: 0 };
  var HERO = {
    overview: ["cases", "amount", "overdue", "standardisation", "audit_pass", "logs_today"],
    cases: ["cases", "workers", "amount", "closure", "on_time", "overdue", "supervised", "declines", "campaign"],
    stations: ["standardisation", "satisfaction", "audit_pass", "rect_open", "rect_overdue"],
    field: ["logs_today", "rect_open", "rect_overdue"]
  };
  var COLOURS = { red: "#e53935", orange: "#fb8c00", yellow: "#fdd835", low: "#2e5b8a",
                  good: "#2e9d5b", part: "#fb8c00", bad: "#e53935", none: "#2e5b8a" };
  /* each scene colours the townships by its own subject: the risk grade (overview, cases), the
     stations standardised of those checked (stations), this month's work-log filing rate with
     the /logs thresholds, 95% and 80% (field) */
  var SCENE_MAP = {
    stations: { legend: ["good", "part", "bad", "none"], title: "map_stations", shade: function (p) {
      var s = p.std[0], n = p.std[1];
      return n === 0 ? "none" : s >= n ? "good" : s > 0 ? "part" : "bad";
    } },
    field: { legend: ["good", "part", "bad", "none"], title: "map_field", shade: function (p) {
      var filed = p.logs[0], due = p.logs[1];
      if (!due) return "none";
      return filed / due >= 0.95 ? "good" : filed / due >= 0.8 ? "part" : "bad";
    } }
  };
  var RISK_MAP = { legend: ["red", "orange", "yellow", "low"], title: "risk_map",
                   shade: function (p) { return p.grade || "low"; } };
  function sceneMap() { return SCENE_MAP[C.scenes[state.scene]] || RISK_MAP; }

  function $(sel, root) { return (root || document).querySelector(sel); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function fmt(template, n) { return template.replace("%(n)s", n); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()); }
  function region() { return STEPS[state.step].code || ""; }
  function key(panel, code) { return panel + "|" + code; }

  document.querySelectorAll("[data-text]").forEach(function (node) { node.textContent = T[node.dataset.text] || ""; });
  $("#w-title").textContent = T.title;

  /* --- KPI tiles, built once ------------------------------------------------------------- */
  var TILES = [
    ["cases", "cases", T.items, true], ["workers", "workers", T.people, true], ["amount", "amount", T.wan_yuan, true],
    ["closure", "closure", "%", false], ["on_time", "on_time", "%", false], ["overdue", "overdue", T.items, true],
    ["supervised", "supervised", T.items, true], ["standardisation", "standardisation", "%", false],
    ["audit_pass", "audit_pass", "%", false], ["rect_open", "rect_open", T.items, true],
    ["rect_overdue", "rect_overdue", T.items, true], ["logs_today", "logs_today", "", false],
    ["satisfaction", "satisfaction", "%", false], ["declines", "declines", T.of_quarters, false],
    ["campaign", "campaign", T.items, true]
  ];
  var tiles = {};
  var LINKS = C.links || {};  // a person's own screen (the desktop twin): each tile opens its rows
  TILES.forEach(function (t) {
    var box = el(LINKS[t[0]] ? "a" : "div", "kpi"); box.id = "kpi-" + t[0];
    if (LINKS[t[0]]) { box.classList.add("kpi-link"); box.title = T.open_rows; box.target = "_blank"; box.rel = "noopener"; }
    var label = el("div", "label", T[t[1]]);
    var value = el("div", "value"); var num = el("span", "", "—"); var unit = el("span", "unit", t[2]);
    value.appendChild(num); value.appendChild(unit);
    var delta = el("div", "delta flat", "\u00a0");
    box.appendChild(label); box.appendChild(value); box.appendChild(delta);
    $("#p-kpis").appendChild(box);
    tiles[t[0]] = { box: box, num: num, unit: unit, delta: delta };
  });

  function yoy(tile, now, before, downIsGood) {
    if (now === null || now === undefined || before === null || before === undefined || before === 0) {
      tile.delta.className = "delta flat"; tile.delta.textContent = "\u00a0"; return;
    }
    var change = (now - before) / Math.abs(before);
    var down = change < 0;
    tile.delta.className = "delta " + (Math.abs(change) < 0.0005 ? "flat" : (down === downIsGood ? "good" : "bad"));
    tile.delta.textContent = T.vs_last_year + " " + (down ? "▼" : "▲") + " " + Math.abs(change * 100).toFixed(1) + "%";
  }
  function rateYoy(tile, now, before) {
    if (now === null || before === null || now === undefined || before === undefined) {
      tile.delta.className = "delta flat"; tile.delta.textContent = "\u00a0"; return;
    }
    var diff = (now - before) * 100;
    tile.delta.className = "delta " + (Math.abs(diff) < 0.05 ? "flat" : (diff > 0 ? "good" : "bad"));
    tile.delta.textContent = T.vs_last_year + " " + (diff < 0 ? "▼" : "▲") + " " + Math.abs(diff).toFixed(1);
  }
  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1); }
  function wan(cents) { return (cents / 1e6).toLocaleString("zh-CN", { maximumFractionDigits: 1, minimumFractionDigits: 1 }); }
  function people(n) {
    if (n >= 100000) return [(n / 10000).toFixed(1), T.wan_people];
    return [n.toLocaleString("zh-CN"), T.people];
  }

  function renderKpis(d) {
    tiles.cases.num.textContent = d.cases.toLocaleString("zh-CN"); yoy(tiles.cases, d.cases, d.cases_last_year, true);
    var p = people(d.workers); tiles.workers.num.textContent = p[0]; tiles.workers.unit.textContent = p[1];
    yoy(tiles.workers, d.workers, d.workers_last_year, true);
    tiles.amount.num.textContent = wan(d.amount_cents); yoy(tiles.amount, d.amount_cents, d.amount_cents_last_year, true);
    tiles.closure.num.textContent = pct(d.closure_rate); rateYoy(tiles.closure, d.closure_rate, d.closure_rate_last_year);
    tiles.on_time.num.textContent = pct(d.on_time_rate); rateYoy(tiles.on_time, d.on_time_rate, d.on_time_rate_last_year);
    tiles.overdue.num.textContent = d.overdue_cases; tiles.overdue.delta.textContent = "\u00a0";
    tiles.supervised.num.textContent = d.supervised_cases; tiles.supervised.delta.textContent = "\u00a0";
    tiles.standardisation.num.textContent = pct(d.standardisation_rate);
    tiles.standardisation.delta.className = "delta " + (d.standardisation_rate >= 1 ? "good" : "bad");
    tiles.standardisation.delta.textContent = T.target + " 100% · " + d.stations_standardised + "/" + d.stations;
    tiles.audit_pass.num.textContent = pct(d.audit_pass_rate);
    rateYoy(tiles.audit_pass, d.audit_pass_rate, d.audit_pass_rate_last_year);
    tiles.rect_open.num.textContent = d.rectifications_open; tiles.rect_open.delta.textContent = "\u00a0";
    tiles.rect_overdue.num.textContent = d.rectifications_overdue; tiles.rect_overdue.delta.textContent = "\u00a0";
    tiles.satisfaction.num.textContent = pct(d.satisfaction_rate);
    rateYoy(tiles.satisfaction, d.satisfaction_rate, d.satisfaction_rate_last_year);
    /* 四连降: of the last four whole quarters, those with fewer cases than the same quarter a year before */
    tiles.declines.num.textContent = d.quarters_down;
    tiles.declines.delta.className = "delta " + (d.quarters_down === 4 ? "good" : d.quarters_down <= 1 ? "bad" : "flat");
    tiles.declines.delta.textContent = d.quarters_down === 4 ? T.four_down : T.quarters_note;
    /* 动态清零: the open cases to clear before the Spring Festival, while the winter campaign runs */
    tiles.campaign.num.textContent = d.open_cases.toLocaleString("zh-CN");
    tiles.campaign.delta.className = "delta " + (d.days_to_festival === null ? "flat" : "bad");
    tiles.campaign.delta.textContent = d.days_to_festival === null ? "\u00a0" : fmt(T.festival_in, d.days_to_festival);
    tiles.logs_today.num.textContent = d.logs_today + " / " + d.logs_expected_today;
    var share = d.logs_expected_today ? d.logs_today / d.logs_expected_today : null;
    tiles.logs_today.delta.className = "delta " + (share === null ? "flat" : share >= 0.9 ? "good" : "bad");
    tiles.logs_today.delta.textContent = share === null ? "\u00a0" : (share * 100).toFixed(0) + "%";
  }

  /* --- the map: one Leaflet map, one layer, refilled ----------------------------------- */
  var map = L.map("w-map", { zoomControl: false, attributionControl: false, dragging: false, scrollWheelZoom: false,
    doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false, zoomSnap: 0.1, fadeAnimation: false });
  if (C.tiles) L.tileLayer(C.tiles, { maxZoom: 18 }).addTo(map);
  map.setView([28.65, 116.0], 8);
  var areaLayer = L.geoJSON(null, {
    style: function (f) {
      var shade = sceneMap().shade(f.properties);
      return { color: "#9cc7ff", weight: 0.8, fillColor: COLOURS[shade] || COLOURS.low,
               fillOpacity: shade === "low" || shade === "none" ? 0.35 : 0.8 };
    },
    onEachFeature: function (f, layer) {
      // named where it needs attention: a risk grade, or a township behind on the scene's subject
      var scheme = sceneMap(), shade = scheme.shade(f.properties);
      if (scheme === RISK_MAP ? shade !== "low" : shade === "bad") {
        layer.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "area-label" });
      }
    }
  }).addTo(map);
  var legend = $("#w-legend");
  var mapTitle = $("#p-map .panel-title [data-text]");
  var legendShown = null;
  function renderLegend() {
    var scheme = sceneMap();
    mapTitle.textContent = T[scheme.title] || "";
    if (legendShown === scheme) return;
    legendShown = scheme;
    legend.textContent = "";
    scheme.legend.forEach(function (g) {
      var s = el("span"); var i = el("i"); i.style.background = COLOURS[g]; s.appendChild(i);
      s.appendChild(document.createTextNode(T[(scheme === RISK_MAP ? "" : C.scenes[state.scene] + "_") + g]));
      legend.appendChild(s);
    });
  }
  /* the stations and field scenes: the townships furthest behind, from the map's figures */
  var worst = rowTable($("#p-worst .rows"), 10), worstHeads = worst.heads, worstRows = worst.rows;
  function renderWorst(d) {
    var scene = C.scenes[state.scene];
    if (scene !== "stations" && scene !== "field") return;
    var pair = function (f) { return scene === "stations" ? f.properties.std : f.properties.logs; };
    var rows = d.features.filter(function (f) { var x = pair(f); return x[1] > 0 && x[0] < x[1]; })
      .sort(function (a, b) { return pair(a)[0] / pair(a)[1] - pair(b)[0] / pair(b)[1] ||
                                      a.properties.name.localeCompare(b.properties.name); });
    if (scene === "field") rows = rows.filter(function (f) { return pair(f)[0] / pair(f)[1] < 0.95; });
    $("#w-worst-title").textContent = T["worst_" + scene];
    worstHeads[1].textContent = scene === "stations" ? T.area_std : T.filed_due;
    worstHeads[2].textContent = scene === "stations" ? T.std_rate : T.filing_rate;
    worstRows.forEach(function (r, n) {
      var x = rows[n];
      r[0].style.visibility = x || n === 0 ? "visible" : "hidden";
      if (!x) {
        if (n === 0) { r[1].textContent = T.none; r[2].textContent = r[3].textContent = ""; r[4].firstChild.style.width = "0"; }
        return;
      }
      var v = pair(x), share = v[0] / v[1];
      r[1].textContent = x.properties.name; r[2].textContent = v[0] + "/" + v[1];
      r[3].textContent = (share * 100).toFixed(0) + "%";
      r[3].className = "num " + (share < 0.8 || scene === "stations" ? "late" : "soon");
      r[4].firstChild.style.width = Math.round(share * 100) + "%";
    });
  }

  var mapShown = null;
  function renderMap(d, code) {
    renderLegend();
    renderWorst(d);
    areaLayer.clearLayers();
    areaLayer.addData(d);
    if (mapShown !== code && areaLayer.getBounds().isValid()) map.fitBounds(areaLayer.getBounds(), { padding: [12, 12] });
    mapShown = code;
  }
  window.addEventListener("resize", function () { map.invalidateSize(); if (areaLayer.getBounds().isValid()) map.fitBounds(areaLayer.getBounds(), { padding: [12, 12] }); });

  /* --- lists ------------------------------------------------------------------------------ */
  var SUPERVISED_ROWS = 9;
  var supList = $("#p-supervised .rows");
  var supRows = [];
  for (var i = 0; i < SUPERVISED_ROWS; i++) {
    var li = el("li"); var a = el("span"); var b = el("span"); var c = el("span", "num"); var dd = el("span", "num");
    li.appendChild(a); li.appendChild(b); li.appendChild(c); li.appendChild(dd); supList.appendChild(li);
    supRows.push([li, a, b, c, dd]);
  }
  function renderSupervised(rows) {
    supRows.forEach(function (r, n) {
      var x = rows[n];
      r[0].style.visibility = x ? "visible" : "hidden";
      if (!x) return;
      r[1].textContent = x.case_no; r[2].textContent = x.township;
      r[3].textContent = x.workers + T.people;
      if (x.days_left === null) { r[4].textContent = "—"; r[4].className = "num"; return; }
      r[4].textContent = x.days_left < 0 ? fmt(T.days_late, -x.days_left) : fmt(T.days_left, x.days_left);
      r[4].className = "num " + (x.days_left < 0 ? "late" : x.days_left <= 5 ? "soon" : "ok");
    });
    if (!rows.length) { supRows[0][0].style.visibility = "visible"; supRows[0][1].textContent = T.none;
      supRows[0][2].textContent = supRows[0][3].textContent = supRows[0][4].textContent = ""; }
  }

  /* a table of fixed rows (name, two figures, a bar) under a head, built once and refilled */
  function rowTable(box, n) {
    var head = el("div", "row head"), heads = [el("span"), el("span", "num"), el("span", "num"), el("span")];
    heads.forEach(function (c) { head.appendChild(c); }); box.appendChild(head);
    var rows = [];
    for (var j = 0; j < n; j++) {
      var row = el("div", "row"), cells = [el("span"), el("span", "num"), el("span", "num"), el("span", "bar")];
      cells[3].appendChild(el("b")); cells.forEach(function (c) { row.appendChild(c); }); box.appendChild(row);
      rows.push([row].concat(cells));
    }
    return { heads: heads, rows: rows };
  }
  var areas = rowTable($("#p-areas .rows"), 9), areaHead = areas.heads, areaRows = areas.rows;
  function renderAreas(all) {
    var scene = C.scenes[state.scene];
    var field = scene === "field", stations = scene === "stations";
    // problems first: the screen has room for nine areas, show the ones that need attention
    var rows = all.slice().sort(function (a, b) {
      if (field) return (a.expected ? a.logs / a.expected : 2) - (b.expected ? b.logs / b.expected : 2);
      if (stations) return (a.standardisation_rate === null ? 2 : a.standardisation_rate) -
                           (b.standardisation_rate === null ? 2 : b.standardisation_rate);
      return (b.overdue - a.overdue) || (b.cases - a.cases);
    });
    areaHead[0].textContent = "";
    areaHead[1].textContent = field ? T.area_logs : stations ? T.std_rate : T.cases;
    areaHead[2].textContent = field ? T.area_due : stations ? T.area_std : T.overdue;
    areaHead[3].textContent = "";
    var top = Math.max.apply(null, rows.map(function (r) { return r.cases; }).concat([1]));
    areaRows.forEach(function (r, n) {
      var x = rows[n];
      r[0].style.visibility = x ? "visible" : "hidden";
      if (!x) return;
      r[1].textContent = x.name;
      r[3].className = "num";
      var share;
      if (field) {
        r[2].textContent = x.logs; r[3].textContent = x.expected;
        share = x.expected ? x.logs / x.expected : 0;
      } else if (stations) {
        r[2].textContent = pct(x.standardisation_rate) + "%"; r[3].textContent = x.standardised + "/" + x.stations;
        share = x.standardisation_rate || 0;
      } else {
        r[2].textContent = x.cases; r[3].textContent = x.overdue; r[3].className = "num" + (x.overdue ? " late" : "");
        share = x.cases / top;
      }
      r[4].firstChild.style.width = Math.round(Math.min(1, share) * 100) + "%";
    });
  }

  /* --- sparklines: four SVGs, points replaced ------------------------------------------- */
  var SPARKS = [["cases", T.trend_cases, 1], ["amount_cents", T.trend_amount, 1e6], ["audit_pass_rate", T.trend_audits, 0.01],
                ["logs", T.trend_logs, 1]];
  var sparkBox = $("#p-trends .sparks");
  var sparks = {};
  var NS = "http://www.w3.org/2000/svg";
  SPARKS.forEach(function (s) {
    var box = el("div", "spark"); var label = el("div", "label"); var name = el("span", "", s[1]); var last = el("span", "num");
    label.appendChild(name); label.appendChild(last); box.appendChild(label);
    var svg = document.createElementNS(NS, "svg"); svg.setAttribute("viewBox", "0 0 110 40"); svg.setAttribute("preserveAspectRatio", "none");
    var area = document.createElementNS(NS, "polygon"); var line = document.createElementNS(NS, "polyline");
    svg.appendChild(area); svg.appendChild(line); box.appendChild(svg); sparkBox.appendChild(box);
    sparks[s[0]] = { line: line, area: area, last: last, scale: s[2] };
  });
  function renderTrends(d) {
    var months = d.months || [];  // whole months only: the one under way would read as a fall
    $("#p-trends .through").textContent = months.length ? months[0] + " – " + months[months.length - 1] : "";
    SPARKS.forEach(function (s) {
      var values = d[s[0]] || []; var sp = sparks[s[0]];
      var nums = values.map(function (v) { return v === null ? null : v / sp.scale; });
      var real = nums.filter(function (v) { return v !== null; });
      var max = Math.max.apply(null, real.concat([1e-9])), min = Math.min.apply(null, real.concat([0]));
      var pts = [];
      nums.forEach(function (v, n) {
        if (v === null) return;
        var x = nums.length > 1 ? 5 + (100 * n) / (nums.length - 1) : 55;
        var y = 37 - (34 * (v - min)) / ((max - min) || 1);
        pts.push(x.toFixed(1) + "," + y.toFixed(1));
      });
      sp.line.setAttribute("points", pts.join(" "));
      sp.area.setAttribute("points", pts.length ? pts[0].split(",")[0] + ",40 " + pts.join(" ") + " " + pts[pts.length - 1].split(",")[0] + ",40" : "");
      var lastValue = real.length ? real[real.length - 1] : null;
      sp.last.textContent = lastValue === null ? "—" : (s[0] === "audit_pass_rate" ? lastValue.toFixed(1) + "%" :
        lastValue.toLocaleString("zh-CN", { maximumFractionDigits: s[0] === "amount_cents" ? 1 : 0 }));
    });
  }

  var tickerRun = $("#p-ticker .ticker-run");
  function renderTicker(rows) {
    var frag = document.createDocumentFragment();
    if (!rows.length) frag.appendChild(el("span", "item", T.none));
    rows.forEach(function (x) {
      var item = el("span", "item");
      item.appendChild(el("span", "tag " + x.list, T[x.list] || x.list));
      item.appendChild(document.createTextNode([x.township, x.service, x.text].filter(Boolean).join(" · ")));
      frag.appendChild(item);
    });
    tickerRun.replaceChildren(frag);
    tickerRun.style.setProperty("--run", Math.max(40, rows.length * 7) + "s");
  }

  var RENDER = { kpis: renderKpis, map: renderMap, supervised: renderSupervised, ticker: renderTicker,
                 trends: renderTrends, areas: renderAreas };
  var BOX = { kpis: "#p-kpis", map: "#p-map", supervised: "#p-supervised", ticker: "#p-ticker", trends: "#p-trends",
              areas: "#p-areas" };

  /* --- fetching, staleness, recovery --------------------------------------------------- */
  /* Each panel has one timer, never cancelled by rotation while the panel is failing: after a
     failure it retries with a growing pause that never exceeds the panel's refresh period (nor
     a minute), so the screen recovers within one refresh period of the server's return; the
     first answer after an outage retries every other failing panel at once. A panel showing
     figures older than its last failed attempt is marked stale with their age ("3 分钟前"). */
  function ago(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return fmt(T.ago_seconds, s);
    if (s < 3600) return fmt(T.ago_minutes, Math.floor(s / 60));
    return fmt(T.ago_hours, Math.floor(s / 3600));
  }

  function mark(panel) {
    var entry = state.cache[key(panel, region())];
    var box = $(BOX[panel]);
    var upd = panel === "kpis" ? $("#w-kpi-upd") : box.querySelector(".upd");
    var failing = state.failures[panel] > 0 || state.failures[panel] === -401;
    // figures older than a failed attempt; or none for this region while the server is away
    var late = entry ? !!(entry.failedAt && entry.failedAt > entry.at) : failing;
    box.classList.toggle("stale", late);
    if (!upd) return;
    upd.classList.toggle("late", late);
    upd.title = late ? T.stale : "";
    if (!entry) { upd.textContent = late ? T.offline : ""; delete box.dataset.age; return; }
    upd.textContent = T.updated + " " + clock(new Date(entry.at)) + (late ? " · " + ago(Date.now() - entry.at) : "");
    if (late) box.dataset.age = String(Math.floor((Date.now() - entry.at) / 1000)); else delete box.dataset.age;
  }

  function show(panel) {
    var entry = state.cache[key(panel, region())];
    if (entry) {
      RENDER[panel](entry.data, region());
      $(BOX[panel]).dataset.updated = String(entry.at);
    }
    mark(panel);
  }

  function status() {
    var failing = Object.keys(state.failures).filter(function (p) { return state.failures[p] > 0; });
    var unauth = Object.keys(state.failures).some(function (p) { return state.failures[p] === -401; });
    $("#w-status").textContent = unauth ? T.signin : failing.length ? T.offline : "";
  }

  function load(panel) {
    var code = region();
    var controller = new AbortController();
    var guard = setTimeout(function () { controller.abort(); }, 15000);
    state.inflight += 1;
    return fetch("/wall/data/" + panel + "?region=" + encodeURIComponent(code), {
      credentials: "same-origin", cache: "no-store", signal: controller.signal, headers: { Accept: "application/json" }
    }).then(function (r) {
      if (!r.ok) { var e = new Error("HTTP " + r.status); e.status = r.status; throw e; }
      return r.json();
    }).then(function (body) {
      var recovered = state.failures[panel] > 0;
      state.cache[key(panel, code)] = { data: body.data, at: Date.now(), failedAt: 0 };
      state.failures[panel] = 0;
      if (code === region()) show(panel);
      if (recovered) retryFailing();
      return true;
    }).catch(function (err) {
      var entry = state.cache[key(panel, code)];
      if (entry) entry.failedAt = Date.now();
      state.failures[panel] = err && err.status === 401 ? -401 : (state.failures[panel] > 0 ? state.failures[panel] : 0) + 1;
      if (code === region()) mark(panel);
      return false;
    }).finally(function () { clearTimeout(guard); state.inflight -= 1; status(); });
  }

  function retryWait(panel) {
    var every = (C.refresh[panel] || 60) * 1000;
    var cap = Math.min(every, 60000);
    var n = Math.min(Math.abs(state.failures[panel]), 5);
    return Math.min(cap, 2000 * Math.pow(2, n)) * (0.5 + Math.random() * 0.5);
  }

  function schedule(panel, wait) {
    clearTimeout(state.timers[panel]);
    if (wait === undefined) {
      var entry = state.cache[key(panel, region())];
      var every = (C.refresh[panel] || 60) * 1000;
      wait = state.failures[panel] ? retryWait(panel) : entry ? Math.max(0, every - (Date.now() - entry.at)) : 0;
    }
    state.timers[panel] = setTimeout(function () {
      state.timers[panel] = null;
      load(panel).then(function () { schedule(panel); });
    }, wait);
  }

  function retryFailing() {
    Object.keys(RENDER).forEach(function (p) {
      if (state.failures[p] > 0 && state.timers[p]) schedule(p, 0);  // (one in flight reschedules itself)
    });
  }

  /* --- rotation ------------------------------------------------------------------------------ */
  function applyScene() {
    var scene = C.scenes[state.scene];
    $("#w-scene").textContent = T["scene_" + scene] || scene;
    $("#w-region").textContent = STEPS[state.step].name;
    var hero = HERO[scene] || [];
    Object.keys(tiles).forEach(function (k) { tiles[k].box.classList.toggle("hero", hero.indexOf(k) >= 0); });
    document.body.dataset.scene = scene;
    document.body.dataset.region = region();
    // the twin's links open the rows of the region shown (cases by county; the other pages at the
    // person's own regions, where they choose)
    Object.keys(LINKS).forEach(function (k) {
      var url = LINKS[k];
      var code = region();
      if (code && url.indexOf("/cases?") === 0) url += (code.slice(-6) === "000000" ? "&county=" : "&township=") + code;
      if (tiles[k]) tiles[k].box.href = url;
    });
    Object.keys(RENDER).forEach(function (p) {
      show(p);
      // a failing panel keeps its retry: rotating must not postpone it (it loads the region shown then)
      if (!state.failures[p] || !state.timers[p]) schedule(p);
    });
  }

  function offline() { return Object.keys(state.failures).some(function (p) { return state.failures[p] > 0; }); }
  function cached(code) { return Object.keys(RENDER).every(function (p) { return state.cache[key(p, code)]; }); }

  function rotate() {
    state.scene += 1;
    if (state.scene >= C.scenes.length) {
      state.scene = 0;
      var next = (state.step + 1) % STEPS.length;
      // while the server is away, stay on a region whose figures the screen has rather than
      // show a region it never loaded
      if (!offline() || cached(STEPS[next].code)) state.step = next;
    }
    applyScene();
    window.__wallRotations = (window.__wallRotations || 0) + 1;
  }

  // settled: every panel shows the region on screen and nothing is loading (the tests wait for it)
  function settled() { return state.inflight === 0 && cached(region()); }
  window.__wall = { rotate: rotate, state: state, settled: settled, cycle: C.scenes.length * STEPS.length,
                   loadedAt: Date.now() };
  setInterval(function () {
    $("#w-clock").textContent = clock(new Date());
    Object.keys(RENDER).forEach(mark);  // the stale marks' ages move on
  }, 1000);
  $("#w-clock").textContent = clock(new Date());
  applyScene();
  if (C.scenes.length * STEPS.length > 1) setInterval(rotate, C.seconds * 1000);
})();
