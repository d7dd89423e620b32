// vdt live dashboard: polls the REST API (/api/v1/*) and renders collections, metrics,
// alerts, rules and per-collection settings. Vanilla JS, no framework, no network beyond
// this origin.
(function () {
  'use strict';

  var API = '/api/v1';
  var KEY_REFRESH = 'vdt.refresh_ms';
  var KEY_WINDOW = 'vdt.window';
  var KEY_CONTRAST = 'vdt.contrast';
  var KEY_TOKEN = 'vdt.token';
  var REFRESH_CHOICES = [2000, 30000, 60000, 300000];
  var DEFAULT_REFRESH = 30000;

  var $ = function (id) { return document.getElementById(id); };

  // ---- state ---------------------------------------------------------------------------
  var state = {
    refreshMs: DEFAULT_REFRESH,
    window: '1h',
    lastOk: null,          // Date of the last refresh in which every request succeeded
    lastAttempt: null,     // Date of the last refresh attempt
    lastError: null,       // message of the last failed refresh, null after a good one
    inFlight: false,
    timer: null,
    needToken: false,
    knownFiring: null,     // Set of firing alert ids seen so far; null before the first load
    data: { status: null, metrics: null, firing: null, history: null, rules: null, config: null },
    errors: {},            // per section: message of its last failed fetch
    pendingSettings: {},   // collection name -> {field: true} while a PATCH is in flight
    settingsMsg: {}        // collection name -> {kind: 'ok'|'error', text}
  };

  function store(kind) {
    try { return window[kind]; } catch (e) { return null; }
  }
  function getItem(kind, key) {
    var s = store(kind);
    try { return s ? s.getItem(key) : null; } catch (e) { return null; }
  }
  function setItem(kind, key, value) {
    var s = store(kind);
    try { if (s) { if (value === null) s.removeItem(key); else s.setItem(key, value); } } catch (e) { /* private mode */ }
  }

  // ---- formatting (the browser tests compute the same strings from the API's JSON) -------
  function group(n) {
    var s = String(Math.round(Math.abs(n)));
    var out = '';
    while (s.length > 3) { out = ',' + s.slice(-3) + out; s = s.slice(0, -3); }
    return (n < 0 ? '-' : '') + s + out;
  }
  var fmt = {
    count: function (v) { return v === null || v === undefined ? '—' : group(v); },
    pct: function (v) { return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%'; },
    ms: function (v) {
      if (v === null || v === undefined) return '—';
      if (v >= 1000) return (v / 1000).toFixed(2) + ' s';
      return group(v) + ' ms';
    },
    usd: function (v) {
      if (v === null || v === undefined) return '—';
      return '$' + (Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4));
    },
    num: function (v) {
      if (v === null || v === undefined) return '—';
      if (Number.isInteger(v)) return group(v);
      return String(Math.round(v * 10000) / 10000);
    }
  };
  // A duration in seconds as "45 s", "3 min", "2 h 5 min", "3 d 4 h".
  function dur(sec) {
    if (sec === null || sec === undefined || !isFinite(sec)) return '—';
    sec = Math.max(0, Math.round(sec));
    if (sec < 60) return sec + ' s';
    var m = Math.floor(sec / 60);
    if (m < 60) return m + ' min' + (sec % 60 && m < 10 ? ' ' + (sec % 60) + ' s' : '');
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' h' + (m % 60 ? ' ' + (m % 60) + ' min' : '');
    var d = Math.floor(h / 24);
    return d + ' d' + (h % 24 ? ' ' + (h % 24) + ' h' : '');
  }
  function pad(n) { return String(n).padStart(2, '0'); }
  function clock(d) { return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }
  function parseTime(s) {
    if (s === null || s === undefined || s === '') return null;
    var d = typeof s === 'number' ? new Date(s) : new Date(String(s));
    return isNaN(d.getTime()) ? null : d;
  }
  function absTime(s) {
    var d = parseTime(s);
    if (!d) return '—';
    var today = new Date();
    var same = d.toDateString() === today.toDateString();
    return (same ? '' : d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ') + clock(d);
  }
  function ago(d) {
    var s = Math.round((Date.now() - d.getTime()) / 1000);
    if (s < 5) return 'just now';
    return dur(s) + ' ago';
  }
  function freqLabel(sec) {
    var named = { 30: '30 s', 60: '1 min', 300: '5 min', 900: '15 min', 3600: '1 h', 86400: '1 d' };
    return named[sec] || dur(sec);
  }

  // ---- DOM helpers ---------------------------------------------------------------------
  function h(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) continue;
        if (k === 'text') e.textContent = v;
        else if (k === 'class') e.className = v;
        else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : v);
      }
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) c.forEach(function (x) { if (x) e.appendChild(typeof x === 'string' ? document.createTextNode(x) : x); });
      else e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }
  // A <time> that shows "3 min ago" and keeps it true: the 1 s ticker rewrites [data-rel].
  function relTime(s, prefix) {
    var d = parseTime(s);
    if (!d) return h('span', { class: 'muted', text: 'never' });
    return h('time', { datetime: d.toISOString(), 'data-rel': '1', 'data-prefix': prefix || '', title: d.toString() },
      (prefix || '') + ago(d));
  }
  function replace(container, content) {
    container.textContent = '';
    if (Array.isArray(content)) content.forEach(function (c) { if (c) container.appendChild(c); });
    else if (content) container.appendChild(content);
  }
  // The loading and error states of one section; the error names what failed and offers a retry.
  function sectionState(container, what) {
    var err = state.errors[what];
    if (err) {
      container.dataset.state = 'error';
      replace(container, h('div', { class: 'state error' },
        h('p', {}, h('strong', { text: 'Could not load ' + label(what) + '. ' }), sentence(err)),
        h('button', { type: 'button', class: 'btn', onclick: function () { refresh(true); } }, 'Retry')));
    } else if (state.needToken) {
      container.dataset.state = 'waiting';
      replace(container, h('p', { class: 'state', text: 'Waiting for an API token (see above).' }));
    } else {
      container.dataset.state = 'loading';
      replace(container, h('p', { class: 'state', text: 'Loading ' + label(what) + '…' }));
    }
  }
  function label(what) {
    return { status: 'collection status', metrics: 'metrics', firing: 'firing alerts', history: 'alert history',
      rules: 'alert rules', config: 'settings' }[what] || what;
  }

  // ---- the API client -------------------------------------------------------------------
  function ApiError(kind, status, message) {
    this.kind = kind; this.status = status; this.message = message;
  }
  function token() { return getItem('sessionStorage', KEY_TOKEN); }

  function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    var t = token();
    if (t) headers.Authorization = 'Bearer ' + t;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    var ctl = typeof AbortController !== 'undefined' ? new AbortController() : null;
    var to = ctl ? setTimeout(function () { ctl.abort(); }, 15000) : null;
    return fetch(path, {
      method: method, headers: headers, cache: 'no-store', credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body), signal: ctl ? ctl.signal : undefined
    }).then(function (res) {
      if (to) clearTimeout(to);
      return res.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        if (res.status === 401) {
          throw new ApiError('auth', 401, (json && (json.detail || json.title)) || 'The API needs a token.');
        }
        if (!res.ok) {
          var msg = json && (json.detail || json.title) ? (json.title || '') + (json.detail ? (json.title ? ': ' : '') + json.detail : '') : text.slice(0, 200);
          throw new ApiError('http', res.status, 'HTTP ' + res.status + (msg ? ' — ' + msg : ''));
        }
        if (json === null) throw new ApiError('http', res.status, 'The API answered with something that is not JSON.');
        return json && Object.prototype.hasOwnProperty.call(json, 'data') ? json.data : json;
      });
    }, function (e) {
      if (to) clearTimeout(to);
      if (e && e.name === 'AbortError') throw new ApiError('network', 0, 'The API did not answer within 15 s.');
      throw new ApiError('network', 0, 'Cannot reach the vdt API at ' + location.host + ' (is vdt api running?).');
    });
  }

  // ---- refresh loop ----------------------------------------------------------------------
  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { refresh(false); }, state.refreshMs);
  }

  function refresh(manual) {
    if (state.inFlight) return;
    if (state.needToken && !token()) return;
    state.inFlight = true;
    state.lastAttempt = new Date();
    if (manual) setUpdated();
    var jobs = [
      ['status', api('GET', '/api/v1/status')],
      ['metrics', api('GET', '/api/v1/metrics?window=' + encodeURIComponent(state.window))],
      ['firing', api('GET', '/api/v1/alerts?state=firing')],
      ['history', api('GET', '/api/v1/alerts/history')],
      ['rules', api('GET', '/api/v1/alerts/rules')],
      ['config', api('GET', '/api/v1/config')]
    ];
    return Promise.all(jobs.map(function (j) {
      return j[1].then(function (v) { return { what: j[0], ok: true, value: v }; },
        function (e) { return { what: j[0], ok: false, error: e }; });
    })).then(function (results) {
      state.inFlight = false;
      var failed = results.filter(function (r) { return !r.ok; });
      var auth = failed.filter(function (r) { return r.error && r.error.kind === 'auth'; });
      if (auth.length) {
        askToken(token() ? 'That token was not accepted (' + auth[0].error.message + '). Enter another one.' : null);
        setUpdated();
        return;
      }
      results.forEach(function (r) {
        if (r.ok) { state.data[r.what] = r.value; delete state.errors[r.what]; }
        else state.errors[r.what] = r.error && r.error.message ? r.error.message : String(r.error);
      });
      if (failed.length) {
        var first = failed[0].error || {};
        var net = failed.every(function (r) { return r.error && r.error.kind === 'network'; });
        state.lastError = sentence(net ? first.message : 'Could not load ' + label(failed[0].what) + ': ' + first.message);
      } else {
        state.lastOk = new Date();
        state.lastError = null;
      }
      renderAll();
      announceFiring();
      setUpdated();
      schedule();
    }, function (e) {
      state.inFlight = false;
      state.lastError = String(e);
      setUpdated();
      schedule();
    });
  }

  // The "last updated" line is always true: the time of the last refresh in which every
  // request succeeded, and it says so plainly when the newest attempt failed.
  function setUpdated() {
    var p = $('updated'), t = $('updated-text');
    var banner = $('banner');
    if (state.needToken) {
      p.dataset.state = 'error';
      t.textContent = 'Waiting for an API token';
      banner.hidden = true;
      return;
    }
    if (state.lastError) {
      p.dataset.state = 'error';
      t.textContent = state.lastOk
        ? 'Update failed at ' + clock(state.lastAttempt) + ' — showing data from ' + clock(state.lastOk) + ' (' + ago(state.lastOk) + ')'
        : 'Update failed at ' + clock(state.lastAttempt) + ' — no data yet';
      $('banner-text').textContent = state.lastError + (state.lastOk ? ' Showing data from ' + clock(state.lastOk) + '.' : '') +
        ' Next try in ' + dur(state.refreshMs / 1000) + '.';
      banner.hidden = false;
    } else if (state.lastOk) {
      var stale = Date.now() - state.lastOk.getTime() > Math.max(state.refreshMs * 2 + 5000, 10000);
      p.dataset.state = state.inFlight ? 'loading' : (stale ? 'stale' : 'ok');
      t.textContent = 'Updated ' + clock(state.lastOk) + ' (' + ago(state.lastOk) + ')' + (stale ? ' — stale' : '');
      banner.hidden = true;
    } else {
      p.dataset.state = 'loading';
      t.textContent = 'Loading…';
    }
  }

  // ---- token ---------------------------------------------------------------------------
  function askToken(message) {
    state.needToken = true;
    setItem('sessionStorage', KEY_TOKEN, null);
    var panel = $('token-panel');
    if (message) $('token-msg').textContent = message;
    var wasHidden = panel.hidden;
    panel.hidden = false;
    $('forget-token').hidden = true;
    renderAll();
    if (wasHidden) $('token-input').focus();
  }
  function onTokenSubmit(ev) {
    ev.preventDefault();
    var v = $('token-input').value.trim();
    if (!v) return;
    setItem('sessionStorage', KEY_TOKEN, v);
    $('token-input').value = '';
    $('token-panel').hidden = true;
    $('forget-token').hidden = false;
    state.needToken = false;
    refresh(true);
  }

  // ---- announcing alerts -----------------------------------------------------------------
  function firingList() {
    var f = state.data.firing;
    if (!f) return null;
    if (Array.isArray(f)) return f;
    return f.alerts || f.items || [];
  }
  function announceFiring() {
    var list = firingList();
    if (!list) return;
    var ids = new Set(list.map(function (a) { return String(a.id); }));
    var live = $('live');
    if (state.knownFiring === null) {
      if (list.length) say(list.length === 1 ? '1 alert is firing: ' + list[0].rule + '.' : list.length + ' alerts are firing.');
    } else {
      var fresh = list.filter(function (a) { return !state.knownFiring.has(String(a.id)); });
      fresh.forEach(function (a) {
        say('New ' + (a.severity || '') + ' alert firing: ' + a.rule + (a.value !== undefined && a.value !== null ? ', value ' + alertValue(a) : '') + '.');
      });
    }
    state.knownFiring = ids;
    var nav = $('nav-firing');
    nav.hidden = !list.length;
    nav.textContent = String(list.length);
    nav.setAttribute('aria-label', list.length + ' firing');
    void live;
  }
  function say(text) {
    var live = $('live');
    live.appendChild(h('p', { text: text }));
    while (live.childNodes.length > 5) live.removeChild(live.firstChild);
  }

  // ---- rendering -------------------------------------------------------------------------
  function renderAll() {
    renderStatus();
    renderMetrics();
    renderFiring($('firing-overview'), true);
    renderFiring($('firing'), false);
    renderHistory();
    renderRules();
    renderSettings();
  }

  function collections() {
    var s = state.data.status;
    return s && Array.isArray(s.collections) ? s.collections : null;
  }

  function syncHealth(c) {
    if (c.enabled === false) return { cls: 'off', text: 'Disabled' };
    if (c.last_status === 'error') return { cls: 'fail', text: 'Sync failed' };
    if (c.last_status === 'in_progress') return { cls: 'busy', text: 'Syncing' };
    if (c.lag_seconds === null || c.lag_seconds === undefined) return { cls: 'warn', text: 'Never synced' };
    var f = c.sync_frequency || 30;
    if (c.lag_seconds > 10 * f) return { cls: 'fail', text: 'Far behind' };
    if (c.lag_seconds > 3 * f) return { cls: 'warn', text: 'Behind' };
    return { cls: 'ok', text: 'Up to date' };
  }

  function renderStatus() {
    var box = $('collections');
    var s = state.data.status;
    if (!s) { sectionState(box, 'status'); return; }
    if (s.version) $('version').textContent = 'v' + s.version;
    var flags = $('flags');
    var f = s.features || {};
    var off = [];
    if (f.live_data_enabled === false) off.push('Live data is off (LIVE_DATA_ENABLED=false): sync and webhooks are paused; the numbers below are stored data.');
    if (f.real_time_alerts === false) off.push('Real-time alerts are off.');
    flags.hidden = !off.length;
    flags.textContent = off.join(' ');

    var cols = collections();
    box.dataset.state = 'ok';
    if (!cols.length) {
      replace(box, h('p', { class: 'state' }, 'No collections are configured. Add one with ', h('code', { text: 'vdt config collections add NAME' }), '.'));
    } else {
      replace(box, cols.map(function (c) {
        var st = syncHealth(c);
        return h('article', { class: 'card status-' + st.cls, 'data-collection': c.name },
          h('h3', {}, h('span', { class: 'ind ind-' + st.cls, 'aria-hidden': 'true' }), c.name),
          h('p', { class: 'badge-line' }, h('span', { class: 'badge b-' + st.cls, 'data-field': 'health', text: st.text }),
            h('span', { class: 'muted', text: (c.kind || '') + ' · every ' + freqLabel(c.sync_frequency) })),
          h('dl', { class: 'facts' },
            h('div', {}, h('dt', { text: 'Last updated' }), h('dd', { 'data-field': 'last_success' }, relTime(c.last_success))),
            h('div', {}, h('dt', { text: 'Lag' }), h('dd', { 'data-field': 'lag', text: dur(c.lag_seconds) })),
            h('div', {}, h('dt', { text: 'Records' }), h('dd', { 'data-field': 'records', text: fmt.count(c.records) })),
            c.last_sync && c.last_sync !== c.last_success
              ? h('div', {}, h('dt', { text: 'Last run' }), h('dd', {}, relTime(c.last_sync), ' · ' + (c.last_status || ''))) : null),
          c.last_error && c.last_status === 'error' ? h('p', { class: 'err-text', text: c.last_error }) : null);
      }));
    }

    var wh = $('webhooks');
    var w = s.webhooks;
    if (!w) { replace(wh, h('p', { class: 'state', text: 'No webhook figures.' })); return; }
    wh.dataset.state = 'ok';
    var codes = Object.keys(w.by_status || {}).sort();
    replace(wh, [
      h('dl', { class: 'kpis small' },
        kpi('Deliveries', fmt.count(w.total), 'webhooks_total'),
        kpi('Rejected', fmt.count(w.rejected), 'webhooks_rejected'),
        kpi('Rejected rate', w.total ? fmt.pct(w.rejected / w.total) : '—', 'webhooks_rejected_rate')),
      codes.length ? h('p', { class: 'muted' }, 'By status: ' + codes.map(function (k) { return k + ' × ' + w.by_status[k]; }).join(', ')) : null
    ]);
  }

  function kpi(name, value, key) {
    return h('div', { class: 'kpi' }, h('dt', { text: name }), h('dd', { id: 'kpi-' + key, 'data-kpi': key, text: value }));
  }

  var CHARTS = [
    { key: 'traces_total', title: 'Traces', kind: 'bar', format: fmt.count },
    { key: 'error_rate', title: 'Error rate', kind: 'line', format: fmt.pct, yMax: 0.05 },
    { key: 'latency_p95_ms', title: 'p95 latency', kind: 'line', format: fmt.ms },
    { key: 'cost_usd', title: 'Cost', kind: 'bar', format: fmt.usd }
  ];

  function seriesPoints(series, key) {
    return (series || []).map(function (b) {
      var t = parseTime(b.start !== undefined ? b.start : (b.t !== undefined ? b.t : (b.ts !== undefined ? b.ts : (b.time !== undefined ? b.time : b.bucket_start))));
      var v = b[key];
      if (v === undefined && b.metrics) v = b.metrics[key];
      return { t: t ? t.getTime() : NaN, v: v === undefined || v === null ? null : Number(v) };
    });
  }

  function timeFormatter() {
    var long = /d$/.test(state.window) || state.window === '24h';
    return function (ms) {
      var d = new Date(ms);
      var hm = pad(d.getHours()) + ':' + pad(d.getMinutes());
      return /d$/.test(state.window) ? (d.getMonth() + 1) + '/' + d.getDate() + ' ' + hm : (long ? hm : hm);
    };
  }

  function renderMetrics() {
    var box = $('kpis');
    var m = state.data.metrics;
    if (!m) { sectionState(box, 'metrics'); replace($('charts'), null); $('charts').__built = false; replace($('by-model'), null); return; }
    box.dataset.state = 'ok';
    replace(box, h('dl', { class: 'kpis' },
      kpi('Traces', fmt.count(m.traces_total), 'traces_total'),
      kpi('Error rate', fmt.pct(m.error_rate), 'error_rate'),
      kpi('Success rate', fmt.pct(m.success_rate), 'success_rate'),
      kpi('p50 latency', fmt.ms(m.latency_p50_ms), 'latency_p50_ms'),
      kpi('p95 latency', fmt.ms(m.latency_p95_ms), 'latency_p95_ms'),
      kpi('p99 latency', fmt.ms(m.latency_p99_ms), 'latency_p99_ms'),
      kpi('Cost', fmt.usd(m.cost_usd), 'cost_usd'),
      kpi('Tokens', fmt.count(m.tokens_total), 'tokens_total')));

    var charts = $('charts');
    var series = Array.isArray(m.series) ? m.series : (m.series && m.series.buckets) || [];
    if (!charts.__built) {
      replace(charts, CHARTS.map(function (c) {
        return h('figure', { class: 'chart', id: 'chart-' + c.key },
          h('figcaption', {}, h('span', { text: c.title }), h('span', { class: 'chart-now', 'data-chart-now': c.key })),
          h('div', { class: 'chart-box' }),
          h('details', { class: 'chart-data' }, h('summary', { text: 'Data table' }), h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': c.title + ' data' })));
      }));
      charts.__built = true;
    }
    var tf = timeFormatter();
    CHARTS.forEach(function (c) {
      var fig = $('chart-' + c.key);
      var pts = seriesPoints(series, c.key);
      var vals = pts.filter(function (p) { return p.v !== null; });
      fig.querySelector('.chart-now').textContent = vals.length ? 'latest ' + c.format(vals[vals.length - 1].v) : '';
      window.VdtChart.render(fig.querySelector('.chart-box'), {
        kind: c.kind, title: c.title + ' per ' + bucketLabel(series) + ', last ' + windowLabel(),
        points: pts, format: c.format, formatTime: tf, yMin: 0, yMax: c.yMax
      });
      var det = fig.querySelector('details');
      if (det.open) fillTable(det, pts, c, tf);
      det.ontoggle = function () { if (det.open) fillTable(det, seriesPoints(seriesOf(), c.key), c, timeFormatter()); };
    });

    var bm = m.by_model;
    var rows = [];
    if (Array.isArray(bm)) rows = bm.map(function (r) { return [r.model || r.name || '(none)', r]; });
    else if (bm && typeof bm === 'object') rows = Object.keys(bm).sort().map(function (k) { return [k, bm[k]]; });
    var bmBox = $('by-model');
    if (!rows.length) { replace(bmBox, null); return; }
    replace(bmBox, h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'By model' }, h('table', { class: 'grid' },
      h('caption', { text: 'By model, last ' + windowLabel() }),
      h('thead', {}, h('tr', {}, ['Model', 'Traces', 'Error rate', 'p95', 'Cost'].map(function (x) { return h('th', { scope: 'col', text: x }); }))),
      h('tbody', {}, rows.map(function (r) {
        var v = r[1] || {};
        return h('tr', { 'data-model': r[0] }, h('th', { scope: 'row', text: r[0] }),
          h('td', { text: fmt.count(v.traces_total) }), h('td', { text: fmt.pct(v.error_rate) }),
          h('td', { text: fmt.ms(v.latency_p95_ms) }), h('td', { text: fmt.usd(v.cost_usd) }));
      })))));
  }
  function seriesOf() {
    var m = state.data.metrics;
    if (!m) return [];
    return Array.isArray(m.series) ? m.series : (m.series && m.series.buckets) || [];
  }
  function fillTable(det, pts, c, tf) {
    replace(det.querySelector('.table-wrap'), h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Time' }), h('th', { scope: 'col', text: c.title }))),
      h('tbody', {}, pts.map(function (p) {
        return h('tr', {}, h('td', { text: tf(p.t) }), h('td', { text: p.v === null ? '—' : c.format(p.v) }));
      }))));
  }
  function windowLabel() {
    var o = $('window').selectedOptions[0];
    return o ? o.textContent : state.window;
  }
  function bucketLabel(series) {
    var m = state.data.metrics;
    if (m && m.series && m.series.bucket_seconds) return dur(m.series.bucket_seconds);
    if (series.length > 1) {
      var a = seriesPoints(series.slice(0, 2), 'x');
      var step = (a[1].t - a[0].t) / 1000;
      if (isFinite(step) && step > 0) return dur(step);
    }
    return 'bucket';
  }

  function alertLabels(a) {
    var l = a.labels;
    if (!l || typeof l !== 'object') return null;
    var keys = Object.keys(l);
    if (!keys.length) return null;
    return h('span', { class: 'labels' }, keys.map(function (k) { return h('code', { text: k + '=' + l[k] }); }));
  }

  // An alert's value in its rule's unit (error_rate as a percentage, latency in ms...).
  function alertValue(a) {
    var rules = state.data.rules;
    rules = Array.isArray(rules) ? rules : (rules && rules.rules) || [];
    var r = rules.filter(function (x) { return x.name === a.rule; })[0];
    return metricValue(r ? r.metric : '', a.value);
  }
  function metricValue(metric, v) {
    if (typeof v !== 'number') return show(v);
    if (/_rate$|_ratio$/.test(metric)) return fmt.pct(v);
    if (/_ms$/.test(metric)) return fmt.ms(v);
    if (/_seconds$/.test(metric)) return dur(v);
    if (metric === 'cost_usd') return fmt.usd(v);
    return fmt.num(v);
  }
  function renderFiring(box, compact) {
    var list = firingList();
    if (!list) { sectionState(box, 'firing'); return; }
    box.dataset.state = 'ok';
    if (!list.length) {
      replace(box, h('p', { class: 'state ok-text' }, h('span', { class: 'ind ind-ok', 'aria-hidden': 'true' }), 'No alerts firing.'));
      return;
    }
    replace(box, h('ul', { class: 'alerts' }, list.map(function (a) {
      var acked = !!a.acked_by || !!a.acked_at;
      var btnId = (compact ? 'ack-o-' : 'ack-') + a.id;
      return h('li', { class: 'alert sev-' + (a.severity || 'info'), 'data-alert-id': String(a.id) },
        h('div', { class: 'alert-main' },
          h('span', { class: 'sev', text: a.severity || 'info' }),
          h('strong', { class: 'rule', text: a.rule }),
          a.value !== undefined && a.value !== null ? h('span', { class: 'muted', text: 'value ' + alertValue(a) }) : null,
          alertLabels(a)),
        h('div', { class: 'alert-meta' },
          h('span', {}, 'firing since ', relTime(a.since || a.firing_since),
            a.silenced_until ? ' · silenced until ' + absTime(a.silenced_until) : ''),
          acked
            ? h('span', { class: 'acked', 'data-field': 'acked' }, '✓ Acknowledged' + (a.acked_by ? ' by ' + a.acked_by : ''))
            : h('button', { type: 'button', class: 'btn primary', id: btnId, 'data-ack': String(a.id),
              'aria-label': 'Acknowledge ' + a.rule + ' (alert ' + a.id + ')', onclick: function (ev) { ack(a, ev.currentTarget); } }, 'Acknowledge')),
        h('p', { class: 'err-text', 'data-ack-msg': String(a.id), hidden: true }));
    })));
  }

  function ack(a, btn) {
    btn.disabled = true;
    btn.textContent = 'Acknowledging…';
    api('POST', '/api/v1/alerts/' + encodeURIComponent(a.id) + '/ack', { by: 'dashboard', comment: 'acknowledged from the dashboard' })
      .then(function () {
        // Shown at once; the next refresh brings the server's own record.
        a.acked_by = a.acked_by || 'dashboard';
        say('Acknowledged alert ' + a.rule + '.');
        renderFiring($('firing-overview'), true);
        renderFiring($('firing'), false);
        refresh(true);
      }, function (e) {
        btn.disabled = false;
        btn.textContent = 'Acknowledge';
        if (e.kind === 'auth') { askToken(null); return; }
        var msgs = document.querySelectorAll('[data-ack-msg="' + a.id + '"]');
        msgs.forEach(function (m) { m.hidden = false; m.setAttribute('role', 'alert'); m.textContent = 'Could not acknowledge: ' + e.message; });
      });
  }

  function renderHistory() {
    var box = $('history');
    var d = state.data.history;
    if (!d) { sectionState(box, 'history'); return; }
    var ev = (Array.isArray(d) ? d : (d.events || d.items || [])).slice();
    // Newest first by time (ties: newest id first).
    ev.sort(function (x, y) {
      var tx = parseTime(x.at), ty = parseTime(y.at);
      return ((ty ? ty.getTime() : 0) - (tx ? tx.getTime() : 0)) || ((y.id || 0) - (x.id || 0));
    });
    box.dataset.state = 'ok';
    if (!ev.length) { replace(box, h('p', { class: 'state', text: 'No alert events yet.' })); return; }
    replace(box, h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Alert history' }, h('table', { class: 'grid history' },
      h('caption', { class: 'visually-hidden', text: 'Alert events, newest first' }),
      h('thead', {}, h('tr', {}, ['When', 'Event', 'Rule', 'Value', 'By'].map(function (x) { return h('th', { scope: 'col', text: x }); }))),
      h('tbody', {}, ev.slice(0, 200).map(function (e) {
        return h('tr', {},
          h('td', {}, h('time', { datetime: e.at, title: e.at, text: absTime(e.at) })),
          h('td', {}, h('span', { class: 'kind k-' + e.kind, text: e.kind })),
          h('td', { text: e.rule }),
          h('td', { text: e.value === null || e.value === undefined ? '' : alertValue(e) }),
          h('td', { text: [e.by, e.comment].filter(Boolean).join(' — ') }));
      })))));
  }

  function show(v) {
    if (v === null || v === undefined) return '—';
    if (Array.isArray(v)) return v.length ? v.join(', ') : '—';
    if (typeof v === 'object') {
      var k = Object.keys(v);
      return k.length ? k.map(function (x) { return x + '=' + v[x]; }).join(', ') : '—';
    }
    if (typeof v === 'number') return fmt.num(v);
    return String(v);
  }
  function renderRules() {
    var box = $('rules');
    var d = state.data.rules;
    if (!d) { sectionState(box, 'rules'); return; }
    var rules = Array.isArray(d) ? d : (d.rules || []);
    box.dataset.state = 'ok';
    if (!rules.length) { replace(box, h('p', { class: 'state', text: 'No rules are configured.' })); return; }
    replace(box, h('ul', { class: 'rules' }, rules.map(function (r) {
      return h('li', { class: 'rule-card' },
        h('h3', {}, h('span', { class: 'sev sev-' + (r.severity || 'info'), text: r.severity || 'info' }), ' ', r.name),
        h('p', { class: 'cond' }, h('code', { text: r.metric + ' ' + r.op + ' ' + String(r.threshold) }),
          typeof r.threshold === 'number' && metricValue(r.metric, r.threshold) !== fmt.num(r.threshold)
            ? ' (' + metricValue(r.metric, r.threshold) + ')' : '',
          ' over ' + show(r.window) + (r['for'] && r['for'] !== '0s' ? ', for ' + show(r['for']) : '')),
        r.description ? h('p', { class: 'muted', text: r.description }) : null,
        h('dl', { class: 'facts' },
          r.labels && Object.keys(r.labels).length ? h('div', {}, h('dt', { text: 'Labels' }), h('dd', { text: show(r.labels) })) : null,
          r.group_by && r.group_by.length ? h('div', {}, h('dt', { text: 'Group by' }), h('dd', { text: show(r.group_by) })) : null,
          h('div', {}, h('dt', { text: 'Channels' }), h('dd', { text: r.channels && r.channels.length ? show(r.channels) : 'none' })),
          r.repeat_interval ? h('div', {}, h('dt', { text: 'Repeat' }), h('dd', { text: show(r.repeat_interval) })) : null));
    })));
  }

  // ---- settings: optimistic update, rollback on error -------------------------------------
  var FREQS = [10, 30, 60, 300, 900, 3600, 21600, 86400];
  function configCollections() {
    var c = state.data.config;
    if (!c) return null;
    if (Array.isArray(c.collections)) return c.collections;
    if (c.sync && Array.isArray(c.sync.collections)) return c.sync.collections;
    return [];
  }
  function renderSettings() {
    var box = $('collection-settings');
    var cols = configCollections();
    if (!cols) { sectionState(box, 'config'); return; }
    box.dataset.state = 'ok';
    if (!cols.length) { replace(box, h('p', { class: 'state', text: 'No collections are configured.' })); return; }
    // Keep focus where it was across a re-render (a refresh must not pull it away).
    var active = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : null;
    replace(box, h('ul', { class: 'settings' }, cols.map(function (c) {
      var name = c.name || c.firestore_collection;
      var busy = state.pendingSettings[name];
      var msg = state.settingsMsg[name];
      var fid = 'freq-' + slug(name), eid = 'enabled-' + slug(name);
      var freqs = FREQS.indexOf(c.sync_frequency) === -1 ? FREQS.concat([c.sync_frequency]).sort(function (a, b) { return a - b; }) : FREQS;
      return h('li', { class: 'setting', 'data-collection': name, 'aria-busy': busy ? 'true' : 'false' },
        h('h3', { text: name }),
        h('div', { class: 'setting-row' },
          h('label', { for: fid }, 'Sync every'),
          h('select', { id: fid, 'data-setting': 'sync_frequency', onchange: function (ev) {
            change(name, { sync_frequency: Number(ev.currentTarget.value) });
          } }, freqs.map(function (f) {
            return h('option', { value: String(f), selected: f === c.sync_frequency }, freqLabel(f));
          }))),
        h('div', { class: 'setting-row' },
          h('input', { type: 'checkbox', id: eid, 'data-setting': 'enabled', checked: c.enabled !== false, onchange: function (ev) {
            change(name, { enabled: ev.currentTarget.checked });
          } }),
          h('label', { for: eid }, 'Enabled')),
        h('p', { class: 'setting-msg ' + (msg ? 'm-' + msg.kind : ''), 'data-setting-msg': name, role: msg && msg.kind === 'error' ? 'alert' : 'status' },
          busy ? 'Saving…' : (msg ? msg.text : '')));
    })));
    if (active && $(active)) $(active).focus();
  }
  function slug(s) { return String(s).replace(/[^A-Za-z0-9_-]/g, '_'); }

  function change(name, patch) {
    var cols = configCollections();
    var c = cols.filter(function (x) { return (x.name || x.firestore_collection) === name; })[0];
    if (!c) return;
    var before = {};
    Object.keys(patch).forEach(function (k) { before[k] = c[k]; c[k] = patch[k]; });
    state.pendingSettings[name] = (state.pendingSettings[name] || 0) + 1;
    delete state.settingsMsg[name];
    renderSettings();
    var body = { collections: [Object.assign({ name: name }, patch)] };
    api('PATCH', '/api/v1/config', body).then(function (data) {
      state.pendingSettings[name] -= 1;
      if (!state.pendingSettings[name]) delete state.pendingSettings[name];
      if (data && (Array.isArray(data.collections) || (data.sync && data.sync.collections))) {
        state.data.config = data;
      }
      state.settingsMsg[name] = { kind: 'ok', text: 'Saved: ' + describe(patch) + '.' };
      renderSettings();
    }, function (e) {
      state.pendingSettings[name] -= 1;
      if (!state.pendingSettings[name]) delete state.pendingSettings[name];
      // Roll back to what the server had, and say why.
      Object.keys(before).forEach(function (k) { c[k] = before[k]; });
      state.settingsMsg[name] = { kind: 'error', text: 'Not saved (' + describe(patch) + '): ' + sentence(e.message) + ' The previous value is back.' };
      renderSettings();
      if (e.kind === 'auth') askToken('Saving needs a token with write access.');
    });
  }
  function sentence(t) { t = String(t || '').trim(); return /[.!?)]$/.test(t) ? t : t + '.'; }
  function describe(p) {
    var out = [];
    if (p.sync_frequency !== undefined) out.push('sync every ' + freqLabel(p.sync_frequency));
    if (p.enabled !== undefined) out.push(p.enabled ? 'enabled' : 'disabled');
    return out.join(', ');
  }

  // ---- views ---------------------------------------------------------------------------
  function route(focus) {
    var v = (location.hash || '#overview').slice(1);
    if (['overview', 'alerts', 'settings'].indexOf(v) === -1) v = 'overview';
    document.querySelectorAll('main .view').forEach(function (s) { s.hidden = s.dataset.view !== v; });
    document.querySelectorAll('nav.views a').forEach(function (a) {
      if (a.dataset.view === v) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    document.title = 'vdt — ' + v[0].toUpperCase() + v.slice(1);
    if (focus) {
      window.scrollTo(0, 0);
      var hd = $('h-' + v);
      if (hd) hd.focus({ preventScroll: true });
    }
    // Charts drawn while hidden have no width; redraw the visible ones.
    if (v === 'overview' && state.data.metrics) renderMetrics();
  }

  // ---- ticker: relative times and the "last updated" line stay true between refreshes -----
  function tick() {
    document.querySelectorAll('time[data-rel]').forEach(function (t) {
      var d = new Date(t.getAttribute('datetime'));
      if (!isNaN(d.getTime())) t.textContent = (t.dataset.prefix || '') + ago(d);
    });
    setUpdated();
  }

  // ---- start -----------------------------------------------------------------------------
  function applyContrast(on) {
    document.documentElement.classList.toggle('hc', on);
    $('contrast').setAttribute('aria-pressed', on ? 'true' : 'false');
  }

  function init() {
    var saved = Number(getItem('localStorage', KEY_REFRESH));
    state.refreshMs = REFRESH_CHOICES.indexOf(saved) !== -1 ? saved : DEFAULT_REFRESH;
    $('refresh').value = String(state.refreshMs);
    $('refresh').addEventListener('change', function (ev) {
      state.refreshMs = Number(ev.currentTarget.value);
      setItem('localStorage', KEY_REFRESH, String(state.refreshMs));
      say('Refreshing every ' + ev.currentTarget.selectedOptions[0].textContent + '.');
      schedule();
      setUpdated();
    });
    var w = getItem('localStorage', KEY_WINDOW);
    if (w && $('window').querySelector('option[value="' + w + '"]')) state.window = w;
    $('window').value = state.window;
    $('window').addEventListener('change', function (ev) {
      state.window = ev.currentTarget.value;
      setItem('localStorage', KEY_WINDOW, state.window);
      refresh(true);
    });
    $('refresh-now').addEventListener('click', function () { refresh(true); });
    $('banner-retry').addEventListener('click', function () { refresh(true); });
    applyContrast(getItem('localStorage', KEY_CONTRAST) === 'more');
    $('contrast').addEventListener('click', function () {
      var on = !document.documentElement.classList.contains('hc');
      setItem('localStorage', KEY_CONTRAST, on ? 'more' : null);
      applyContrast(on);
    });
    $('token-form').addEventListener('submit', onTokenSubmit);
    $('forget-token').hidden = !token();
    $('forget-token').addEventListener('click', function () {
      setItem('sessionStorage', KEY_TOKEN, null);
      $('forget-token').hidden = true;
      refresh(true);
    });
    $('api-origin').textContent = 'API: ' + location.origin + API;
    window.addEventListener('hashchange', function () { route(true); });
    route(false);
    setInterval(tick, 1000);
    refresh(true);
  }

  // For the browser tests and for people poking at it from the console.
  window.vdtDashboard = { state: state, refresh: function () { return refresh(true); }, fmt: fmt };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
