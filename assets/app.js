// Placeholder dashboard: polls /api/v1/status and shows it. A token, if the API needs one,
// is read from the page's fragment (#token=...) and kept in sessionStorage.
"use strict";
(function () {
  const m = /token=([^&]+)/.exec(location.hash);
  if (m) { sessionStorage.setItem("vdt-token", decodeURIComponent(m[1])); history.replaceState(null, "", location.pathname); }
  const token = sessionStorage.getItem("vdt-token");
  const text = (el, s) => { el.textContent = s; };
  const cell = (tr, s) => { const td = document.createElement("td"); text(td, s == null ? "–" : String(s)); tr.appendChild(td); };
  async function refresh() {
    const state = document.getElementById("state");
    try {
      const r = await fetch("/api/v1/status", { headers: token ? { Authorization: "Bearer " + token } : {} });
      if (!r.ok) { const p = await r.json().catch(() => ({})); text(state, (p.title || r.status) + (p.detail ? ": " + p.detail : "")); return; }
      const { data, meta } = await r.json();
      text(state, "v" + data.version + " · up " + data.uptime_seconds + "s · " + meta.generated_at);
      const body = document.querySelector("#collections tbody");
      body.replaceChildren();
      for (const c of data.collections) {
        const tr = document.createElement("tr");
        [c.name, c.kind, c.enabled, c.sync_frequency + "s", c.last_sync, c.last_status, c.lag_seconds, c.records].forEach((v) => cell(tr, v));
        body.appendChild(tr);
      }
      text(document.getElementById("webhooks"), data.webhooks.total + " deliveries, " + data.webhooks.rejected + " rejected");
      const ul = document.getElementById("alerts");
      ul.replaceChildren();
      for (const a of data.alerts) { const li = document.createElement("li"); text(li, a.severity + " " + a.rule + " = " + a.value); ul.appendChild(li); }
    } catch (e) { text(state, "offline: " + e); }
  }
  refresh();
  setInterval(refresh, 5000);
})();
