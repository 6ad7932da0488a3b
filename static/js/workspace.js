// The agent workspace's few behaviours that need a script: clickable queue rows and keyboard
// shortcuts. Everything works without it (rows have links, forms submit normally).
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-table tbody tr"));
  }

  function current() {
    return document.querySelector("#queue-table tbody tr.is-current");
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.indexOf(current());
    var next = all[Math.min(all.length - 1, Math.max(0, at + step))] || all[0];
    all.forEach(function (r) { r.classList.remove("is-current"); });
    next.classList.add("is-current");
    var link = next.querySelector("a.row-link");
    if (link) link.focus({ preventScroll: false });
  }

  function focusReply(internal) {
    var radio = document.querySelector('#reply-box input[name="is_internal"][value="' + (internal ? "on" : "") + '"]');
    if (radio) radio.checked = true;
    var box = document.querySelector("#reply-box textarea");
    if (box) box.focus();
  }

  function toggleHelp() {
    var help = document.getElementById("shortcuts");
    if (help && typeof help.showModal === "function") {
      if (help.open) help.close(); else help.showModal();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "Enter": {
        var row = current();
        var link = row && row.querySelector("a.row-link");
        if (link && document.activeElement !== link) { link.click(); } else { return; }
        break;
      }
      case "r": focusReply(false); break;
      case "n": focusReply(true); break;
      case "a": {
        var take = document.getElementById("take-it");
        if (take) take.click(); else return;
        break;
      }
      case "?": toggleHelp(); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts]")) toggleHelp();
  });

  // The request page tells the others when this agent is typing a reply (the presence poll sends it).
  var typingUntil = 0;
  document.addEventListener("input", function (event) {
    if (!event.target.closest || !event.target.closest("#reply-box")) return;
    typingUntil = Date.now() + 6000;
  });
  document.addEventListener("htmx:configRequest", function (event) {
    var flag = document.getElementById("typing-flag");
    if (flag && event.detail.path.indexOf("/presence") !== -1) {
      event.detail.parameters.typing = Date.now() < typingUntil ? "1" : "0";
    }
  });

  // The request page's tabs switch in place (without a script they are links that reload).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".tabs a[data-tab]");
    if (!link) return;
    event.preventDefault();
    document.querySelectorAll(".tabs a[data-tab]").forEach(function (other) {
      var chosen = other === link;
      if (chosen) other.setAttribute("aria-current", "page"); else other.removeAttribute("aria-current");
      var panel = document.getElementById("tab-" + other.dataset.tab);
      if (panel) panel.hidden = !chosen;
    });
    history.replaceState(history.state, "", link.href);
  });

  // On a phone the queue's filters fold behind a "Filters" button (all shown without a script).
  var narrow = window.matchMedia("(max-width: 760px)");
  function foldFilters() {
    var form = document.getElementById("queue-filters");
    var button = form && form.querySelector("[data-filters-toggle]");
    if (!button) return;
    button.hidden = !narrow.matches;
    form.classList.toggle("folded", narrow.matches);
    button.setAttribute("aria-expanded", String(!narrow.matches));
  }
  document.addEventListener("DOMContentLoaded", foldFilters);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt === document.body) foldFilters();  // a boosted page came in
  });
  narrow.addEventListener("change", foldFilters);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-filters-toggle]");
    if (!button) return;
    var folded = button.form.classList.toggle("folded");
    button.setAttribute("aria-expanded", String(!folded));
  });

  // "Select all" ticks every row of the page for a bulk change.
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("[data-select-all]")) return;
    document.querySelectorAll('#queue-table input[name="ids"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });

  // A click anywhere on a queue row opens it, as the title link does.
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("#queue-table tbody tr");
    if (!row || event.target.closest("a, button, input, label, select")) return;
    var link = row.querySelector("a.row-link");
    if (link) link.click();
  });
})();
