// The portal's small behaviours. Files over the size limit are refused before they are sent (the
// server checks the same limits, so nothing depends on this script), and an upload shows progress.
(function () {
  "use strict";

  function size(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
    return bytes + " bytes";
  }

  function checkFiles(input) {
    var box = input.closest("[data-upload]");
    var max = Number(box.dataset.maxBytes);
    var maxFiles = Number(box.dataset.maxFiles);
    var message = box.querySelector("[data-upload-message]");
    var files = Array.prototype.slice.call(input.files);
    var big = files.filter(function (f) { return f.size > max; });
    var problem = "";
    if (files.length > maxFiles) {
      problem = "Attach at most " + maxFiles + " files at a time.";
    } else if (big.length) {
      problem = big.map(function (f) { return f.name; }).join(", ") + (big.length > 1 ? " are" : " is") +
        " larger than the " + size(max) + " limit.";
    }
    input.setCustomValidity(problem);
    message.classList.toggle("error", Boolean(problem));
    message.textContent = problem || files.map(function (f) { return f.name + " (" + size(f.size) + ")"; }).join(", ");
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-upload] input[type=file]")) checkFiles(event.target);
  });

  function progressOf(form) {
    var bar = form.querySelector("[data-upload-progress]");
    var input = form.querySelector("[data-upload] input[type=file]");
    return bar && input && input.files.length ? bar : null;
  }

  document.addEventListener("htmx:xhr:progress", function (event) {
    var bar = progressOf(event.target);
    if (!bar || !event.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var bar = progressOf(event.target);
    if (bar) bar.hidden = true;
  });
})();
