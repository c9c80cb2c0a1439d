/* "/" anywhere on a page moves the keyboard to the search box in the header, as on many sites readers know.
   The box is a plain form and works without this; a "/" typed into a field stays a "/". */
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) {
      return;
    }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    var box = document.getElementById("site-search");
    if (!box) {
      return;
    }
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
