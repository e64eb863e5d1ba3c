// Script entry for Safehub. esbuild bundles it into dist/app-[hash].js, which
// the layout loads with <script type="module"> at the end of <body>.
//
// The page runs under a strict Content-Security-Policy (no inline script, no
// inline style, no eval), so everything the GOV.UK template would do inline
// happens here, and htmx is configured not to need any of it.

import htmx from 'htmx.org'
import { initAll } from 'govuk-frontend'

// htmx: no eval (hx-on, event filters like hx-trigger="click[ctrlKey]" and
// "js:" in hx-vals/hx-vars stop working), no inline <style> for indicators
// (safehub.css styles .htmx-indicator instead), no <script> execution in
// swapped content.
htmx.config.allowEval = false
htmx.config.allowScriptTags = false
htmx.config.includeIndicatorStyles = false
// Only talk to our own origin (the htmx 2 default, stated so it stays so).
htmx.config.selfRequestsOnly = true
// Person-level pages must not be copied into browser storage: keep no htmx
// history snapshots (htmx 2 keeps them in sessionStorage) and reload the
// page from the server when the user goes back to an htmx-pushed URL.
htmx.config.historyCacheSize = 0
htmx.config.refreshOnHistoryMiss = true

// Extensions and the browser tests look for the global.
window.htmx = htmx

// The GOV.UK template adds this class with an inline script; our CSP forbids
// inline scripts, so the bundle does it. Module scripts run after the
// document is parsed, so document.body exists.
document.body.classList.add('govuk-frontend-supported')

initAll()

// Initialise GOV.UK components in content that htmx swaps in. htmx.onLoad
// also fires for <body> at start-up, which initAll above has covered. The
// scope is the new element's parent so that a swapped-in element that is
// itself a component (data-module on its root) is found; components already
// initialised there raise InitError, which is expected and ignored.
htmx.onLoad(function (elt) {
  if (elt === document.body || !elt.parentElement) {
    return
  }
  initAll({
    scope: elt.parentElement,
    onError: function (error) {
      if (error && error.name === 'InitError') {
        return
      }
      console.error(error)
    }
  })
})
