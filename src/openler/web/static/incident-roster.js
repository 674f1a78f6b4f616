// An incident's roster follows check-ins without a reload: it asks the roster's version every
// three seconds and, when it changed, fetches this page again and puts its counts, lists and
// the state of checking everyone again in place. The counts and that state are polite live
// regions, so a screen reader hears the new figures; focus in the lists stays where it was
// (on the element with the same id, or the table region with the same name). When the
// roster says everyone is due to be checked again, it asks for that with the page's own form
// (the server starts one only when it is due). Without scripts the page says to reload it.
(function () {
  "use strict";
  var live = document.getElementById("roster-live");
  if (!live || live.getAttribute("data-open") !== "true") {
    return;
  }
  var url = live.getAttribute("data-url");
  var version = live.getAttribute("data-version");
  var updates = document.getElementById("roster-updates");
  if (updates) {
    updates.textContent = live.getAttribute("data-scripted");
  }

  function focusKey(element) {
    var detail = document.getElementById("roster-detail");
    if (!element || !detail || !detail.contains(element)) {
      return null;
    }
    if (element.id) {
      return "#" + element.id;
    }
    var label = element.getAttribute("aria-label");
    return label ? '[aria-label="' + label.replace(/"/g, '\\"') + '"]' : null;
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var counts = document.getElementById("roster-counts");
    var freshCounts = fresh.getElementById("roster-counts");
    if (counts && freshCounts && counts.innerHTML !== freshCounts.innerHTML) {
      counts.innerHTML = freshCounts.innerHTML;  // the live region announces the change
    }
    ["roster-as-of", "recheck-words"].forEach(function (id) {
      var here = document.getElementById(id);
      var there = fresh.getElementById(id);
      if (here && there && here.textContent !== there.textContent) {
        here.textContent = there.textContent;  // recheck-words is a status: it is announced
      }
    });
    ["recheck-progress", "recheck-action"].forEach(function (id) {
      var here = document.getElementById(id);
      var there = fresh.getElementById(id);
      if (here && there && here.innerHTML !== there.innerHTML) {
        here.innerHTML = there.innerHTML;
      }
    });
    var detail = document.getElementById("roster-detail");
    var freshDetail = fresh.getElementById("roster-detail");
    if (detail && freshDetail) {
      var key = focusKey(document.activeElement);
      var scroll = window.scrollY;
      detail.replaceWith(freshDetail);
      if (key) {
        var again = freshDetail.querySelector(key);
        if (again) {
          again.focus({ preventScroll: true });
        }
      }
      window.scrollTo(0, scroll);
    }
  }

  var asked = 0;

  function recheckIfDue(state) {
    var form = document.getElementById("recheck-form");
    if (!state.recheck || !state.recheck.due || !form || Date.now() - asked < 60000) {
      return;
    }
    asked = Date.now();
    var data = new FormData(form);
    data.append("automatic", "yes");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).catch(function () { asked = 0; });
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        recheckIfDue(state);
        if (state.version === version) {
          window.setTimeout(tick, 3000);
          return null;
        }
        version = state.version;
        return fetch(window.location.href, {
          credentials: "same-origin",
          headers: { Accept: "text/html" }
        })
          .then(function (response) { return response.text(); })
          .then(function (html) {
            swap(html);
            if (state.open) {
              window.setTimeout(tick, 3000);
            }
          });
      })
      .catch(function () { window.setTimeout(tick, 10000); });
  }

  window.setTimeout(tick, 3000);
})();
