// app.js: the runs page (table, filter, sort, curves) and the run page, refreshed by
// polling /api/runs every 2 s: a run whose files changed is redrawn without a reload.
"use strict";

const POLL_MS = 2000;
const state = {
  runs: [], keys: [], filter: "", sort: { key: "name", dir: 1 },
  chart: { y: "return", x: "env_steps", by: "run", smooth: 0, logx: false, logy: false, zoom: null },
  stamps: "", route: "",
};

const $ = (sel, root = document) => root.querySelector(sel);
const h = (tag, props = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const k in props) (k in e && k !== "list") ? (e[k] = props[k]) : e.setAttribute(k, props[k]);
  for (const c of kids) e.append(c);
  return e;
};

async function getJSON(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error((await r.text()).trim() || r.statusText);
  return r.json();
}

const fmt = (v) => (v == null ? "–" : typeof v === "number" ? fmtValue(v) : String(v));
const fmtWall = (s) => (s == null || !isFinite(s) ? "–" : s < 120 ? s.toFixed(1) + " s" : s < 7200 ? (s / 60).toFixed(1) + " min" : (s / 3600).toFixed(2) + " h");

const COLUMNS = [
  ["name", "run"], ["env", "env"], ["algo", "algo"], ["seed", "seed"], ["status", "status"],
  ["steps", "steps"], ["final_return", "final return"], ["wall_seconds", "wall time"],
];

function visibleRuns() {
  const f = state.filter.toLowerCase();
  let rows = state.runs.filter((r) => !f || [r.name, r.env, r.algo, r.seed, r.status, r.sweep || "", JSON.stringify(r.params || {})].join(" ").toLowerCase().includes(f));
  const { key, dir } = state.sort;
  const val = (r) => (key in r ? r[key] : (r.params || {})[key] ?? r.config[key]);
  rows = rows.slice().sort((a, b) => {
    const x = val(a), y = val(b);
    if (x == null) return 1; if (y == null) return -1;
    const nx = Number(x), ny = Number(y);
    if (!isNaN(nx) && !isNaN(ny)) return (nx - ny) * dir;
    return String(x).localeCompare(String(y), undefined, { numeric: true }) * dir;
  });
  return rows;
}

function paramKeys() {
  const ks = new Set();
  for (const r of state.runs) for (const k in r.params || {}) if (k !== "seed") ks.add(k);
  return [...ks].sort();
}

function renderTable() {
  const box = $("#runs");
  if (!box) return;
  const cols = COLUMNS.concat(paramKeys().map((k) => [k, k]));
  const thead = h("tr", {}, ...cols.map(([k, label]) => {
    const th = h("th", { className: state.sort.key === k ? (state.sort.dir > 0 ? "sorted-asc" : "sorted-desc") : "" }, label);
    th.onclick = () => { state.sort = { key: k, dir: state.sort.key === k ? -state.sort.dir : 1 }; renderTable(); };
    return th;
  }));
  const rows = visibleRuns();
  const body = rows.map((r) => h("tr", { "data-id": r.id },
    h("td", {}, h("a", { href: "#/run/" + encodeURIComponent(r.id) }, r.sweep ? r.sweep + "/" + r.name : r.name)),
    h("td", {}, r.env), h("td", {}, r.algo), h("td", {}, r.seed),
    h("td", { className: "status-" + r.status }, r.status),
    h("td", { className: "num" }, fmt(r.steps)), h("td", { className: "num" }, fmt(r.final_return)),
    h("td", { className: "num" }, fmtWall(r.wall_seconds)),
    ...paramKeys().map((k) => h("td", {}, (r.params || {})[k] ?? ""))));
  box.replaceChildren(h("table", { id: "runs-table" }, h("thead", {}, thead), h("tbody", {}, ...body)));
  $("#count").textContent = `${rows.length} of ${state.runs.length} runs`;
}

function select(id, options, value, onchange) {
  const s = h("select", { id }, ...options.map((o) => h("option", { value: o, selected: o === value }, o)));
  s.onchange = () => onchange(s.value);
  return s;
}

function allColumns() {
  const cs = new Set();
  for (const r of state.runs) for (const c of r.columns || []) cs.add(c);
  return [...cs].sort();
}

function renderControls() {
  const c = state.chart, box = $("#controls");
  const xs = ["env_steps", "wall_seconds", "episode", "iteration"];
  const set = (k) => (v) => { c[k] = v; c.zoom = null; refreshCurve(); };
  const num = h("input", { id: "smooth", type: "number", min: 0, max: 1000, value: c.smooth, style: "width:5em" });
  num.onchange = () => { c.smooth = Math.max(0, parseInt(num.value) || 0); refreshCurve(); };
  // log x also changes the grid groups are averaged on (log-spaced): fetch again.
  const check = (id, k, label) => { const b = h("input", { id, type: "checkbox", checked: c[k] }); b.onchange = () => { c[k] = b.checked; k === "logx" ? refreshCurve() : drawCurve(); }; return h("label", {}, b, label); };
  box.replaceChildren(
    h("label", {}, "metric ", select("metric", allColumns().filter((x) => !xs.includes(x) || x === "episode"), c.y, set("y"))),
    h("label", {}, "x ", select("xcol", xs, c.x, set("x"))),
    h("label", {}, "group by ", select("by", state.keys, c.by, set("by"))),
    h("label", {}, "smoothing ", num), check("logx", "logx", "log x"), check("logy", "logy", "log y"),
    h("span", { className: "hint" }, "drag on the chart to zoom, double-click to reset"));
}

let lastCurve = null;
async function refreshCurve() {
  const c = state.chart, ids = visibleRuns().map((r) => r.id);
  const q = new URLSearchParams({ y: c.y, x: c.x, by: c.by, smooth: c.smooth, logx: c.logx ? 1 : 0, runs: ids.join(",") });
  try {
    lastCurve = await getJSON("/api/curve?" + q);
    $("#curve-error").textContent = "";
  } catch (e) {
    lastCurve = { groups: [] };
    $("#curve-error").textContent = e.message;
  }
  drawCurve();
}

function drawCurve() {
  if (!lastCurve || !$("#chart")) return;
  const c = state.chart;
  $("#warning").hidden = !lastCurve.warning;
  $("#warning").textContent = lastCurve.warning ? "warning: " + lastCurve.warning : "";
  drawChart($("#chart"), $("#legend"), lastCurve, { logx: c.logx, logy: c.logy, xlabel: c.x.replace("_", " "), ylabel: c.y, zoom: c.zoom,
    onZoom: (z) => { c.zoom = z; drawCurve(); } });
}

function renderRunsPage() {
  const filter = h("input", { id: "filter", type: "search", placeholder: "filter: env, algo, status, sweep, params", value: state.filter, style: "width:24em" });
  filter.oninput = () => { state.filter = filter.value; renderTable(); refreshCurve(); };
  $("#app").replaceChildren(
    h("section", {}, h("h2", {}, "Runs"), h("div", { className: "controls" }, filter), h("div", { id: "runs", className: "tablewrap" })),
    h("section", {}, h("h2", {}, "Curves"), h("div", { id: "controls", className: "controls" }),
      h("div", { id: "warning", className: "warning", hidden: true }), h("div", { id: "curve-error", className: "error" }),
      h("div", { className: "chartbox" }, h("div", { id: "chart", className: "chart" }), h("div", { id: "legend", className: "legend" }))));
  renderTable();
  renderControls();
  refreshCurve();
}

async function renderRunPage(id) {
  let page;
  try { page = await getJSON("/api/run?run=" + encodeURIComponent(id)); } catch (e) { $("#app").replaceChildren(h("p", { className: "error" }, e.message)); return; }
  const r = page.row;
  const sum = h("table", { id: "summary" }, ...Object.keys(page.summary).sort().map((k) => h("tr", {}, h("th", {}, k), h("td", { className: "num" }, fmt(page.summary[k])))));
  const cols = page.episode_columns || [];
  const eps = h("table", { id: "episodes" }, h("thead", {}, h("tr", {}, ...cols.map((c) => h("th", {}, c)))),
    h("tbody", {}, ...page.episode_rows.slice().reverse().map((row) => h("tr", {}, ...row.map((v) => h("td", { className: typeof v === "number" ? "num" : "" }, fmt(v)))))));
  const charts = h("div", { className: "grid2" });
  const plots = [["return", "env_steps", false]];
  // LMDP runs' regret (log x: it flattens early), GLOW runs' success, evaluations.
  for (const m of ["regret", "success", "mixture_success", "success_rate", "eval_return"]) {
    if (page.metric_columns.includes(m)) plots.push([m, m === "eval_return" ? "env_steps" : "iteration", m === "regret"]);
  }
  $("#app").replaceChildren(
    h("section", {}, h("h2", {}, `${r.sweep ? r.sweep + "/" : ""}${r.name} `, h("span", { className: "status-" + r.status, id: "run-status" }, r.status)),
      h("div", {}, `${r.env} · ${r.algo} · seed ${r.seed} · ${fmt(r.steps)} steps · ${fmtWall(r.wall_seconds)} · ${page.episode_total} episodes`)),
    h("section", {}, h("h2", {}, "Curves"), charts),
    h("div", { className: "grid2" }, h("section", {}, h("h2", {}, "Summary"), sum), h("section", {}, h("h2", {}, "Config"), h("pre", {}, JSON.stringify(page.config, null, 2)))),
    h("section", { id: "replay-box", hidden: !page.poses && !page.media.length }, h("h2", {}, "Replay")),
    h("section", {}, h("h2", {}, `Episodes (last ${page.episode_rows.length} of ${page.episode_total})`), h("div", { className: "tablewrap" }, eps)));
  for (const [y, x, logx] of plots) {
    if (y === "return" && !cols.includes("return")) continue;
    // Long runs' returns are noisy episode by episode: a moving average, stated.
    const smooth = y === "return" ? (page.episode_total > 2000 ? 100 : page.episode_total > 200 ? 10 : 0) : 0;
    const title = smooth ? `${y} (moving average of ${smooth} episodes)` : y;
    const box = h("div", { className: "chart" }), leg = h("div", { className: "legend", style: "width:140px" });
    charts.append(h("div", {}, h("b", {}, title), h("div", { className: "chartbox" }, box, leg)));
    getJSON("/api/curve?" + new URLSearchParams({ runs: id, y, x, by: "run", smooth, logx: logx ? 1 : 0 })).then((rep) => drawChart(box, leg, rep, { logx, xlabel: x, ylabel: y }))
      .catch((e) => box.append(h("span", { className: "error" }, e.message)));
  }
  for (const m of page.media) {
    const url = "/files/" + id.split("/").map(encodeURIComponent).join("/") + "/" + m.split("/").map(encodeURIComponent).join("/");
    $("#replay-box").append(h("div", {}, m), /\.(mp4|webm)$/i.test(m) ? h("video", { src: url, controls: true, width: 480 }) : h("img", { src: url, width: 480 }));
  }
  if (page.poses) replay(id, $("#replay-box")).catch((e) => $("#replay-box").append(h("p", { className: "error" }, e.message)));
}

// replay draws the logged body positions of an episode from the side (x right, z up),
// following the torso, at 30 frames a second, with the step, reward and return. Each body
// is joined to the nearest body before it in the first pose (MuJoCo numbers a parent
// before its children), which draws the morphology's tree as a stick figure; bodies left
// of the middle (larger y) are red, right blue, with their shadows on the floor line.
async function replay(id, box) {
  const data = await getJSON("/api/poses?run=" + encodeURIComponent(id));
  const W = 640, H = 320, floor = 290;
  const canvas = h("canvas", { className: "replay", width: W, height: H }), info = h("div", { id: "replay-info" });
  box.append(h("div", {}, `episode ${data.episode} (${data.poses.length} steps logged)`), canvas, info);
  const ps = data.poses;
  if (!ps.length) return;
  const n = Math.floor(ps[0].pos.length / 3), P = (p, b) => [p.pos[3 * b], p.pos[3 * b + 1], p.pos[3 * b + 2]];
  const parent = [-1];
  for (let b = 1; b < n; b++) {
    let best = 0, bd = Infinity;
    for (let a = 0; a < b; a++) { const u = P(ps[0], a), v = P(ps[0], b), d = Math.hypot(u[0] - v[0], u[1] - v[1], u[2] - v[2]); if (d < bd) { bd = d; best = a; } }
    parent.push(best);
  }
  // A body's side: its y in the first pose against the bodies' median y.
  const ys = [...Array(n).keys()].map((b) => P(ps[0], b)[1]).sort((a, b) => a - b), ymid = ys[Math.floor(n / 2)];
  const side = [...Array(n).keys()].map((b) => { const d = P(ps[0], b)[1] - ymid; return Math.abs(d) > 0.01 ? Math.sign(d) : 0; });
  let zmax = 0.5;
  for (const p of ps) for (let b = 0; b < n; b++) zmax = Math.max(zmax, P(p, b)[2]);
  const scale = Math.min(160, (floor - 20) / zmax), ctx = canvas.getContext("2d");
  let i = 0, ret = 0;
  const frame = () => {
    if (!canvas.isConnected) return;
    const p = ps[i];
    if (i === 0) ret = 0;
    ret += p.reward;
    const x0 = P(p, 0)[0], sx = (v) => W / 2 + (v[0] - x0) * scale, sz = (v) => floor - v[2] * scale;
    ctx.clearRect(0, 0, W, H);
    ctx.strokeStyle = "#999"; ctx.beginPath(); ctx.moveTo(0, floor); ctx.lineTo(W, floor); ctx.stroke();
    for (let m = Math.floor((x0 - W / 2 / scale) * 2) / 2; m < x0 + W / 2 / scale; m += 0.5) { ctx.beginPath(); ctx.moveTo(sx([m, 0, 0]), floor); ctx.lineTo(sx([m, 0, 0]), floor + 5); ctx.stroke(); }
    const colour = (b) => side[b] > 0 ? "#d62728" : side[b] < 0 ? "#1f77b4" : "#555";
    ctx.lineWidth = 4;
    for (let b = 1; b < n; b++) { const u = P(p, parent[b]), v = P(p, b); ctx.strokeStyle = colour(b); ctx.beginPath(); ctx.moveTo(sx(u), sz(u)); ctx.lineTo(sx(v), sz(v)); ctx.stroke(); }
    ctx.lineWidth = 1;
    for (let b = 0; b < n; b++) {
      const v = P(p, b);
      ctx.fillStyle = "rgba(0,0,0,0.15)"; ctx.beginPath(); ctx.ellipse(sx(v), floor, 6, 2, 0, 0, 2 * Math.PI); ctx.fill();
      ctx.fillStyle = colour(b); ctx.beginPath(); ctx.arc(sx(v), sz(v), 4, 0, 2 * Math.PI); ctx.fill();
    }
    info.textContent = `step ${p.step}  reward ${fmtValue(p.reward)}  return ${fmtValue(ret)}`;
    i = (i + 1) % ps.length;
    setTimeout(frame, 33);
  };
  frame();
}

async function poll() {
  try {
    const data = await getJSON("/api/runs");
    $("#live").className = "";
    state.runs = data.runs; state.keys = data.group_keys;
    const stamps = data.runs.map((r) => r.id + r.stamp).join("|");
    const changed = stamps !== state.stamps;
    state.stamps = stamps;
    if (changed) {
      if (state.route === "runs") { renderTable(); if (!$("#metric") || $("#metric").options.length !== allColumns().length) renderControls(); refreshCurve(); }
      else if (state.route.startsWith("run/")) renderRunPage(state.route.slice(4)).catch((e) => $("#app").replaceChildren(h("p", { className: "error" }, "board: " + e.message)));
    }
  } catch (e) {
    $("#live").className = "stale";
  }
  setTimeout(poll, POLL_MS);
}

async function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  state.route = hash.startsWith("run/") ? hash : "runs";
  try {
    if (state.route === "runs") renderRunsPage(); else await renderRunPage(state.route.slice(4));
  } catch (e) {
    $("#app").replaceChildren(h("p", { className: "error" }, "board: " + e.message));
  }
}

window.addEventListener("hashchange", route);
(async () => {
  try { const data = await getJSON("/api/runs"); state.runs = data.runs; state.keys = data.group_keys; state.stamps = data.runs.map((r) => r.id + r.stamp).join("|"); } catch (e) { $("#live").className = "stale"; }
  await route();
  setTimeout(poll, POLL_MS);
})();
