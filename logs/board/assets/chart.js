// chart.js: an SVG line chart of grouped curves (mean, band) with hover values, drag to
// zoom on x (double-click to reset), log axes and a legend outside the axes.
"use strict";

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
const DASHES = ["", "6 3", "2 3", "8 3 2 3"];
const SVGNS = "http://www.w3.org/2000/svg";

// niceStep: the smallest of 1, 2, 2.5, 5 x 10^k giving at most 6 intervals (as logs/plot).
function niceStep(span) {
  const p = Math.pow(10, Math.floor(Math.log10(span / 6)));
  for (const m of [1, 2, 2.5, 5, 10]) if (span / (m * p) <= 6) return m * p;
  return 10 * p;
}

function fmtTick(v, step) {
  if (v === 0) return "0";
  const units = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [s, suf] of units) {
    if (Math.abs(v) >= s && step >= s / 10) return +(v / s).toFixed(decimals(step / s)) + suf;
  }
  return String(+v.toFixed(decimals(step)));
}

function decimals(step) {
  for (let d = 0; d < 12; d++) { const x = step * Math.pow(10, d); if (Math.abs(x - Math.round(x)) < 1e-6 * x) return d; }
  return 12;
}

function fmtValue(v) {
  if (v == null || !isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
  return String(+v.toPrecision(5));
}

function ticks(lo, hi, log) {
  const out = [];
  if (log) {
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      const v = Math.pow(10, e);
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push({ v, label: fmtTick(v, v) });
    }
    return out;
  }
  const step = niceStep(hi - lo);
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const v = Math.round(k * step / step) * step;
    out.push({ v, label: fmtTick(v, step) });
  }
  return out;
}

function el(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

// drawChart renders reply (from /api/curve) into box; opts: {logx, logy, xlabel, ylabel,
// zoom: [x0, x1] or null, onZoom(range)}. It returns the SVG element.
function drawChart(box, legend, reply, opts) {
  box.innerHTML = "";
  legend.innerHTML = "";
  const W = Math.max(box.clientWidth, 400), H = 380, M = { l: 64, r: 12, t: 10, b: 44 };
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "curves" }, box);
  const groups = (reply.groups || []).map((g, i) => {
    const pts = [];
    for (let j = 0; j < g.x.length; j++) {
      const x = g.x[j], y = g.mean[j];
      if (x == null || y == null) continue;
      if (opts.logx && x <= 0) continue;
      if (opts.logy && y <= 0) continue;
      if (opts.zoom && (x < opts.zoom[0] || x > opts.zoom[1])) continue;
      pts.push({ x, y, lo: g.banded ? g.lo[j] : y, hi: g.banded ? g.hi[j] : y });
    }
    return { g, pts, color: PALETTE[i % PALETTE.length], dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length] };
  });
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const { pts } of groups) for (const p of pts) {
    x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x);
    y0 = Math.min(y0, p.lo, p.y); y1 = Math.max(y1, p.hi, p.y);
  }
  if (!isFinite(x0)) { el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, svg).textContent = "no data"; return svg; }
  if (x1 === x0) { x1 = x0 + 1; }
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  if (!opts.logy) { const pad = 0.05 * (y1 - y0); y0 -= pad; y1 += pad; }
  const tx = opts.logx ? (v) => Math.log10(v) : (v) => v, ty = opts.logy ? (v) => Math.log10(v) : (v) => v;
  const X = (v) => M.l + (tx(v) - tx(x0)) / (tx(x1) - tx(x0)) * (W - M.l - M.r);
  const Y = (v) => H - M.b - (ty(v) - ty(y0)) / (ty(y1) - ty(y0)) * (H - M.t - M.b);
  const axes = el("g", { class: "axes", "font-size": 11, fill: "#444" }, svg);
  for (const t of ticks(x0, x1, opts.logx)) {
    el("line", { x1: X(t.v), x2: X(t.v), y1: M.t, y2: H - M.b, stroke: "#eee" }, axes);
    el("text", { x: X(t.v), y: H - M.b + 14, "text-anchor": "middle" }, axes).textContent = t.label;
  }
  for (const t of ticks(y0, y1, opts.logy)) {
    el("line", { x1: M.l, x2: W - M.r, y1: Y(t.v), y2: Y(t.v), stroke: "#eee" }, axes);
    el("text", { x: M.l - 6, y: Y(t.v) + 4, "text-anchor": "end" }, axes).textContent = t.label;
  }
  el("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, fill: "none", stroke: "#999" }, axes);
  el("text", { x: (M.l + W - M.r) / 2, y: H - 6, "text-anchor": "middle" }, axes).textContent = opts.xlabel + (opts.logx ? " (log)" : "");
  el("text", { x: 12, y: (M.t + H - M.b) / 2, transform: `rotate(-90 12 ${(M.t + H - M.b) / 2})`, "text-anchor": "middle" }, axes).textContent = opts.ylabel + (opts.logy ? " (log)" : "");
  const plot = el("g", { class: "data" }, svg);
  for (const { g, pts, color, dash } of groups) {
    if (g.banded && pts.length > 1) {
      const ring = pts.map((p) => `${X(p.x)},${Y(p.hi)}`).concat(pts.slice().reverse().map((p) => `${X(p.x)},${Y(p.lo)}`));
      el("polygon", { points: ring.join(" "), fill: color, "fill-opacity": 0.18, stroke: "none", class: "band" }, plot);
    }
  }
  for (const { g, pts, color, dash } of groups) {
    const d = pts.map((p, j) => (j ? "L" : "M") + X(p.x).toFixed(1) + "," + Y(p.y).toFixed(1)).join("");
    el("path", { d, fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": dash, class: "curve", "data-group": g.group, "data-points": pts.length }, plot);
    if (pts.length === 1) el("circle", { cx: X(pts[0].x), cy: Y(pts[0].y), r: 4, fill: color }, plot);
    const item = document.createElement("div");
    item.innerHTML = `<span class="sw" style="background:${color}"></span><span></span>`;
    item.lastChild.textContent = `${g.group} (n=${g.n}${g.no_band && g.n > 1 ? ", " + g.no_band : ""})`;
    legend.appendChild(item);
  }
  if (reply.band && groups.some(({ g }) => g.n > 1)) {
    const note = document.createElement("span");
    note.className = "band-note";
    note.textContent = `band: ${reply.band} (groups of 3 runs or more)`;
    legend.prepend(note);
  }
  // Hover: a vertical rule and every group's value at the nearest logged x.
  const rule = el("line", { y1: M.t, y2: H - M.b, stroke: "#666", "stroke-dasharray": "3 3", visibility: "hidden" }, svg);
  const sel = el("rect", { y: M.t, height: H - M.t - M.b, fill: "#90caf9", "fill-opacity": 0.3, visibility: "hidden" }, svg);
  const tip = document.getElementById("tooltip");
  const invX = (px) => { const f = (px - M.l) / (W - M.l - M.r); const v = tx(x0) + f * (tx(x1) - tx(x0)); return opts.logx ? Math.pow(10, v) : v; };
  const toLocal = (ev) => { const r = svg.getBoundingClientRect(); return (ev.clientX - r.left) * W / r.width; };
  let dragFrom = null;
  svg.addEventListener("mousemove", (ev) => {
    const px = toLocal(ev);
    if (px < M.l || px > W - M.r) { rule.setAttribute("visibility", "hidden"); tip.hidden = true; return; }
    rule.setAttribute("x1", px); rule.setAttribute("x2", px); rule.setAttribute("visibility", "visible");
    const xv = invX(px);
    const lines = [`${opts.xlabel} ${fmtValue(xv)}`];
    for (const { g, pts } of groups) {
      if (!pts.length) continue;
      let best = pts[0];
      for (const p of pts) if (Math.abs(p.x - xv) < Math.abs(best.x - xv)) best = p;
      lines.push(`${g.group}: ${fmtValue(best.y)}` + (g.banded ? ` [${fmtValue(best.lo)}, ${fmtValue(best.hi)}]` : ""));
    }
    tip.textContent = lines.join("\n");
    tip.hidden = false;
    tip.style.left = ev.clientX + 14 + "px"; tip.style.top = ev.clientY + 10 + "px";
    if (dragFrom != null) { sel.setAttribute("x", Math.min(dragFrom, px)); sel.setAttribute("width", Math.abs(px - dragFrom)); sel.setAttribute("visibility", "visible"); }
  });
  svg.addEventListener("mouseleave", () => { rule.setAttribute("visibility", "hidden"); tip.hidden = true; });
  svg.addEventListener("mousedown", (ev) => { dragFrom = toLocal(ev); ev.preventDefault(); });
  svg.addEventListener("mouseup", (ev) => {
    const px = toLocal(ev), from = dragFrom;
    dragFrom = null; sel.setAttribute("visibility", "hidden");
    if (from != null && Math.abs(px - from) > 5 && opts.onZoom) opts.onZoom([invX(Math.min(px, from)), invX(Math.max(px, from))]);
  });
  svg.addEventListener("dblclick", () => opts.onZoom && opts.onZoom(null));
  return svg;
}
