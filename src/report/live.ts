/**
 * The live page served at `/`: the report's views, refreshed every 5 s. The page is a static
 * shell plus one constant inline script (no user data in it, ever): the script fetches the
 * server-rendered fragment `GET /api/v1/report?format=html&fragment=1` (the same escaping
 * renderer as the report file) and swaps it in. With API tokens configured, the shell holds no
 * data; the script asks for a token once (an in-page form, not a dialog), keeps it in
 * sessionStorage and sends it as a bearer token.
 */
import { escapeHtml } from "./escape.js";
import { LIVE_CSS, REPORT_CSS } from "./style.js";

export const LIVE_REFRESH_MS = 5000;

/** The live page's script. Constant: its SHA-256 goes into the page's Content-Security-Policy. */
export const LIVE_SCRIPT = `(function () {
  "use strict";
  var KEY = "pbe.apiToken";
  var root = document.getElementById("report");
  var bar = document.getElementById("livebar");
  var status = document.getElementById("live-status");
  var form = document.getElementById("token-form");
  var input = document.getElementById("token-input");
  var error = document.getElementById("token-error");
  var forget = document.getElementById("token-forget");
  var needsToken = root.getAttribute("data-auth") === "required";
  var service = new URLSearchParams(location.search).get("service");
  var url = "/api/v1/report?format=html&fragment=1" + (service ? "&service=" + encodeURIComponent(service) : "");
  var timer = 0;
  function token() { try { return sessionStorage.getItem(KEY) || ""; } catch (e) { return ""; } }
  function setToken(v) { try { if (v) sessionStorage.setItem(KEY, v); else sessionStorage.removeItem(KEY); } catch (e) { /* storage disabled */ } }
  function state(text, stale) { status.textContent = text; bar.className = stale ? "livebar stale" : "livebar"; }
  function askToken(message) {
    clearTimeout(timer);
    root.hidden = true;
    form.hidden = false;
    error.textContent = message || "";
    error.hidden = !message;
    forget.hidden = true;
    state("Waiting for an API token", true);
    input.focus();
  }
  function refresh() {
    clearTimeout(timer);
    var t = token();
    if (needsToken && !t) { askToken(""); return; }
    var headers = t ? { authorization: "Bearer " + t } : {};
    fetch(url, { headers: headers, cache: "no-store", credentials: "omit" }).then(function (res) {
      if (res.status === 401 || res.status === 403) { setToken(""); askToken("The engine refused that token."); return null; }
      return res.text().then(function (text) {
        if (!res.ok) {
          var message = "the engine answered " + res.status;
          try { message = JSON.parse(text).error.message || message; } catch (e) { /* not JSON */ }
          state("Not updated: " + message + "; retrying", true);
        } else {
          root.innerHTML = text;
          root.hidden = false;
          form.hidden = true;
          forget.hidden = !t;
          state("Live · updated " + new Date().toLocaleTimeString() + " · refreshes every ${LIVE_REFRESH_MS / 1000} s", false);
        }
        timer = setTimeout(refresh, ${LIVE_REFRESH_MS});
        return null;
      });
    }).catch(function () {
      state("Engine unreachable; retrying", true);
      timer = setTimeout(refresh, ${LIVE_REFRESH_MS});
    });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var v = input.value.trim();
    if (!v) return;
    setToken(v);
    input.value = "";
    refresh();
  });
  forget.addEventListener("click", function () { setToken(""); root.innerHTML = ""; askToken(""); });
  refresh();
})();`;

/** The live page's policy: only its own script (by hash), requests to its own origin. */
export function liveCsp(scriptSha256Base64: string): string {
  return `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptSha256Base64}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

export interface LivePageOptions {
  /** API tokens are configured: the shell carries no data and the script asks for a token. */
  authRequired: boolean;
  /** The report fragment to show before the first refresh (only without tokens). */
  initialBody?: string;
}

export function renderLivePage(opts: LivePageOptions): string {
  const initial = opts.authRequired ? "" : (opts.initialBody ?? `<p class="note">Loading…</p>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Performance Budget Engine · live</title>
<link rel="icon" href="data:,">
<style>${REPORT_CSS}${LIVE_CSS}</style>
</head>
<body>
<div class="livebar${opts.authRequired ? " stale" : ""}" id="livebar" role="status" aria-live="polite"><span class="dot" aria-hidden="true"></span><span id="live-status">${opts.authRequired ? "Waiting for an API token" : "Live · refreshes every 5 s"}</span><span class="spacer"></span><button type="button" id="token-forget" hidden>Forget token</button></div>
<form class="token-form" id="token-form" hidden autocomplete="off">
<h2>API token</h2>
<p>This engine requires an API token. It is kept in this tab's session storage only.</p>
<div class="row"><input id="token-input" name="token" type="password" placeholder="API token" aria-label="API token" required><button type="submit">Open</button></div>
<p class="error" id="token-error" role="alert" hidden></p>
</form>
<div class="page" id="report" data-auth="${escapeHtml(opts.authRequired ? "required" : "open")}">
${initial}
</div>
<script>${LIVE_SCRIPT}</script>
</body>
</html>
`;
}
