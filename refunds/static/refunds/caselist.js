// The case list: "/" puts the cursor in the search box (as on GitHub or Gmail), unless the person is
// already typing somewhere. A file of its own: the Content Security Policy allows no inline script.
"use strict";
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  const target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
    return;
  }
  const search = document.getElementById("searchbar");
  if (!search) {
    return;
  }
  event.preventDefault();
  search.focus();
  search.select();
});
