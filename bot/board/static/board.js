// The board works without this script; it only shows a chart element's details on hover and
// keyboard focus (the same text as its tooltip), in a live region screen readers announce.
(function () {
  "use strict";
  var panel = document.getElementById("detail");
  if (!panel) { return; }
  function show(event) {
    var target = event.target.closest && event.target.closest("[data-detail]");
    if (!target) { return; }
    panel.textContent = target.getAttribute("data-detail");
    panel.hidden = false;
  }
  function hide(event) {
    var target = event.target.closest && event.target.closest("[data-detail]");
    if (target) { panel.hidden = true; }
  }
  document.addEventListener("mouseover", show);
  document.addEventListener("focusin", show);
  document.addEventListener("mouseout", hide);
  document.addEventListener("focusout", hide);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { panel.hidden = true; }
  });
})();
