/* The print view's button: print this page (no inline script: the CSP forbids it). */
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
