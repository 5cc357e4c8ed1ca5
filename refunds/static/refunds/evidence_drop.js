// Drag and drop onto the case page's evidence box: dropped files go into the form's file input
// (several at once), then the person picks the kind and uploads. A file, not inline: the CSP forbids inline scripts.
document.addEventListener("DOMContentLoaded", function () {
  var zone = document.getElementById("evidence-drop");
  if (!zone) { return; }
  var input = zone.querySelector("input[type=file]");
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (input && event.dataTransfer && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; }
  });
});
