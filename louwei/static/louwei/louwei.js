/* Louwei shell behaviours. Small, dependency-free, loaded with `defer` on every page.
 * The CSP allows no inline script: behaviours hang on data- attributes instead.
 *
 *   .filters (<details>)      open on desktops unless data-collapsed, folded on phones
 *   .navmenu (<details>)      the phone menu closes on Escape and on a tap outside
 *   form[data-confirm]        asks before submitting (htmx requests use hx-confirm)
 *   [data-print]              prints the page
 *   htmx                      the CSRF header is set on <body hx-headers>; focus moves to
 *                             [data-autofocus] in swapped content
 */
(function () {
  "use strict";

  var DESKTOP = window.matchMedia("(min-width: 900px)");

  function openFiltersOnDesktop(root) {
    if (!DESKTOP.matches) {
      return;
    }
    (root || document).querySelectorAll("details.filters:not([data-collapsed])").forEach(function (details) {
      details.open = true;
    });
  }

  function closeMenus(except) {
    document.querySelectorAll("details.navmenu[open]").forEach(function (menu) {
      if (menu !== except) {
        menu.open = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    openFiltersOnDesktop(document);
  });

  document.addEventListener("click", function (event) {
    var menu = event.target.closest("details.navmenu");
    closeMenus(menu);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var open = document.querySelector("details.navmenu[open]");
    if (open) {
      open.open = false;
      var summary = open.querySelector("summary");
      if (summary) {
        summary.focus();
      }
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-print]");
    if (trigger) {
      event.preventDefault();
      window.print();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) {
      return;
    }
    openFiltersOnDesktop(target);
    var focus = target.querySelector("[data-autofocus]");
    if (focus) {
      focus.focus();
    }
  });
})();
