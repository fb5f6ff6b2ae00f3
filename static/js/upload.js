// CSV upload pages: the progress of the upload, then "Checking every row" while the server reads and previews or
// applies the file. Without this file the form still posts; only the progress is missing.
(function () {
  "use strict";

  function parts(event) {
    const form = event.target.closest && event.target.closest("form[data-upload-progress]");
    if (!form) {
      return null;
    }
    return {
      form: form,
      box: form.querySelector(".upload-progress"),
      bar: form.querySelector(".upload-progress progress"),
      status: form.querySelector(".upload-status"),
    };
  }

  function checking(found) {
    found.form.dataset.uploadState = "checking";
    found.bar.removeAttribute("value"); // indeterminate: the server does not report its own progress
    found.status.textContent = "Checking every row…";
  }

  document.addEventListener("htmx:beforeSend", function (event) {
    const found = parts(event);
    if (!found) {
      return;
    }
    found.form.dataset.uploadState = "uploading";
    found.box.hidden = false;
    found.bar.value = 0;
    found.status.textContent = "Uploading…";
  });

  // htmx reports the upload's progress and then the response's; only the upload's is shown.
  document.addEventListener("htmx:xhr:progress", function (event) {
    const found = parts(event);
    if (!found || found.form.dataset.uploadState !== "uploading" || !event.detail.lengthComputable) {
      return;
    }
    const percent = Math.floor((100 * event.detail.loaded) / event.detail.total);
    found.bar.value = percent;
    found.status.textContent = "Uploading… " + percent + "%";
    if (event.detail.loaded >= event.detail.total) {
      checking(found);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const found = parts(event);
    if (found) {
      delete found.form.dataset.uploadState;
      found.box.hidden = true;
    }
  });
})();
