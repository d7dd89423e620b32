// vdt dashboard: a small hand-written SVG chart module (line and bar charts over time).
// No dependencies, no network. Usage:
//   VdtChart.render(container, {kind: 'line'|'bar', title, points: [{t: ms, v: number|null}],
//                               format: v => string, formatTime: ms => string, yMin: 0, yMax})
// The chart redraws itself when its container changes width.
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var HEIGHT = 168;
  var seq = 0;

  function node(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) {
      if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, String(attrs[k]));
    }
    if (parent) parent.appendChild(e);
    return e;
  }

  // A "nice" axis top: 1, 2, 2.5 or 5 times a power of ten, at or above v.
  function niceCeil(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * p >= v - 1e-12) return steps[i] * p;
    }
    return 10 * p;
  }

  function defaultTime(ms) {
    var d = new Date(ms);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  function render(container, spec) {
    container.__vdtSpec = spec;
    observe(container);
    draw(container, spec);
  }

  function draw(container, spec) {
    var fmt = spec.format || function (v) { return String(v); };
    var fmtT = spec.formatTime || defaultTime;
    var pts = (spec.points || []).filter(function (p) { return p && isFinite(p.t); });
    var width = Math.max(240, Math.floor(container.clientWidth || 320));
    container.__vdtWidth = width;
    container.textContent = '';

    var id = 'vdtc' + (++seq);
    var values = pts.map(function (p) { return p.v; }).filter(function (v) { return v !== null && isFinite(v); });
    var svg = node('svg', {
      viewBox: '0 0 ' + width + ' ' + HEIGHT, width: width, height: HEIGHT,
      role: 'img', 'aria-labelledby': id + 't ' + id + 'd', class: 'vdt-chart vdt-chart-' + (spec.kind || 'line'),
      focusable: 'false'
    }, container);
    var title = node('title', { id: id + 't' }, svg);
    title.textContent = spec.title || 'Chart';
    var desc = node('desc', { id: id + 'd' }, svg);

    if (!values.length) {
      desc.textContent = 'No data in this window.';
      var tx = node('text', { x: width / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'vdt-empty' }, svg);
      tx.textContent = 'No data in this window';
      return;
    }
    var min = spec.yMin !== undefined ? spec.yMin : Math.min.apply(null, values);
    var rawMax = Math.max.apply(null, values);
    var max = niceCeil(spec.yMax !== undefined ? Math.max(spec.yMax, rawMax) : rawMax);
    if (max <= min) max = min + 1;
    var last = null;
    for (var i = pts.length - 1; i >= 0; i--) {
      if (pts[i].v !== null && isFinite(pts[i].v)) { last = pts[i].v; break; }
    }
    desc.textContent = pts.length + ' points from ' + fmtT(pts[0].t) + ' to ' + fmtT(pts[pts.length - 1].t) +
      '; latest ' + fmt(last) + ', highest ' + fmt(rawMax) + '.';

    // Margins: room for the widest y label on the left, time labels below.
    var yLabels = [max, (min + max) / 2, min].map(fmt);
    var labelW = Math.max.apply(null, yLabels.map(function (s) { return s.length; })) * 6.6 + 10;
    var m = { l: Math.ceil(labelW), r: 10, t: 10, b: 24 };
    var w = width - m.l - m.r, h = HEIGHT - m.t - m.b;
    var t0 = pts[0].t, t1 = pts[pts.length - 1].t;
    var n = pts.length;
    var slot = w / Math.max(n, 1);
    function x(p, idx) {
      if (spec.kind === 'bar') return m.l + slot * idx + slot / 2;
      if (t1 === t0) return m.l + w / 2;
      return m.l + (p.t - t0) / (t1 - t0) * w;
    }
    function y(v) { return m.t + h - (v - min) / (max - min) * h; }

    var grid = node('g', { class: 'vdt-grid', 'aria-hidden': 'true' }, svg);
    [max, (min + max) / 2, min].forEach(function (v, k) {
      var yy = Math.round(y(v)) + 0.5;
      node('line', { x1: m.l, x2: width - m.r, y1: yy, y2: yy }, grid);
      var lt = node('text', { x: m.l - 6, y: yy + 4, 'text-anchor': 'end' }, grid);
      lt.textContent = yLabels[k];
    });
    var xt = [0, Math.floor((n - 1) / 2), n - 1].filter(function (v, k, a) { return a.indexOf(v) === k; });
    xt.forEach(function (idx, k) {
      var anchor = xt.length === 1 ? 'middle' : (k === 0 ? 'start' : (k === xt.length - 1 ? 'end' : 'middle'));
      var xx = spec.kind === 'bar' ? x(pts[idx], idx) : x(pts[idx], idx);
      if (anchor === 'start') xx = Math.max(xx - (spec.kind === 'bar' ? slot / 2 : 0), m.l);
      if (anchor === 'end') xx = Math.min(xx + (spec.kind === 'bar' ? slot / 2 : 0), width - m.r);
      var t = node('text', { x: xx, y: HEIGHT - 6, 'text-anchor': anchor }, grid);
      t.textContent = fmtT(pts[idx].t);
    });

    var plot = node('g', { class: 'vdt-plot', 'aria-hidden': 'true' }, svg);
    if (spec.kind === 'bar') {
      var bw = Math.max(1, slot * 0.72);
      pts.forEach(function (p, idx) {
        if (p.v === null || !isFinite(p.v)) return;
        var top = y(Math.max(p.v, min));
        var r = node('rect', {
          x: (x(p, idx) - bw / 2).toFixed(1), y: top.toFixed(1), width: bw.toFixed(1),
          height: Math.max(0, y(min) - top).toFixed(1), class: 'vdt-bar'
        }, plot);
        node('title', {}, r).textContent = fmtT(p.t) + ': ' + fmt(p.v);
      });
    } else {
      // Break the line where a bucket has no value (null), instead of drawing through it.
      var d = '', pen = false;
      pts.forEach(function (p, idx) {
        if (p.v === null || !isFinite(p.v)) { pen = false; return; }
        d += (pen ? 'L' : 'M') + x(p, idx).toFixed(1) + ' ' + y(p.v).toFixed(1);
        pen = true;
      });
      if (values.length > 1) {
        var area = d.replace(/M([\d.]+) ([\d.]+)/, 'M$1 ' + y(min).toFixed(1) + 'L$1 $2');
        // An area only under a gapless line, or it would fill across gaps.
        if (d.indexOf('M', 1) === -1) {
          var lastX = x(pts[pts.length - 1], pts.length - 1);
          for (var j = pts.length - 1; j >= 0; j--) {
            if (pts[j].v !== null && isFinite(pts[j].v)) { lastX = x(pts[j], j); break; }
          }
          node('path', { d: area + 'L' + lastX.toFixed(1) + ' ' + y(min).toFixed(1) + 'Z', class: 'vdt-area' }, plot);
        }
      }
      node('path', { d: d, class: 'vdt-line', fill: 'none' }, plot);
      pts.forEach(function (p, idx) {
        if (p.v === null || !isFinite(p.v)) return;
        if (pts.length > 60 && idx !== pts.length - 1) return;
        var c = node('circle', { cx: x(p, idx).toFixed(1), cy: y(p.v).toFixed(1), r: 2.5, class: 'vdt-point' }, plot);
        node('title', {}, c).textContent = fmtT(p.t) + ': ' + fmt(p.v);
      });
    }
  }

  var ro = null;
  function observe(container) {
    if (container.__vdtObserved || typeof ResizeObserver === 'undefined') return;
    if (!ro) {
      ro = new ResizeObserver(function (entries) {
        entries.forEach(function (en) {
          var c = en.target;
          var w = Math.max(240, Math.floor(c.clientWidth || 320));
          if (c.__vdtSpec && w !== c.__vdtWidth) draw(c, c.__vdtSpec);
        });
      });
    }
    ro.observe(container);
    container.__vdtObserved = true;
  }

  window.VdtChart = { render: render, niceCeil: niceCeil };
})();
