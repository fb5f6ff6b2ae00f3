// CSV upload pages: the upload's progress, then the rows the server has done of the file, as a percentage. The
// request names itself (X-Upload-Progress, a random id) and the form's data-upload-progress URL is polled while the
// server works. Without this file the form still posts; only the progress is missing.
(function () {
  "use strict";

  const POLL_MS = 250;

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

  function randomId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // unlike crypto.randomUUID, also on a page served over plain HTTP
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function show(found, percent, text) {
    found.bar.value = percent;
    found.status.textContent = text + " " + percent + " %";
  }

  // The server's count: true when it had one.
  async function poll(found) {
    const url = found.form.dataset.uploadProgress + "?id=" + found.form.dataset.uploadId;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (response.status !== 200) {
      return false;
    }
    const counted = await response.json();
    found.form.dataset.uploadState &&= "counting"; // no more upload events to show
    const percent = counted.total ? Math.floor((100 * counted.done) / counted.total) : 100;
    show(found, percent, counted.done.toLocaleString("en-US") + " of " + counted.total.toLocaleString("en-US") +
      " rows done:");
    return counted.done >= counted.total;
  }

  // Polled from the start: the server answers 204 until it has read the file and counted its rows.
  function polling(found) {
    const next = function () {
      if (found.form.dataset.uploadState) {
        poll(found).catch(() => false).finally(() => setTimeout(next, POLL_MS));
      }
    };
    setTimeout(next, POLL_MS);
  }

  document.addEventListener("htmx:configRequest", function (event) {
    const found = parts(event);
    if (found) {
      found.form.dataset.uploadId = randomId();
      event.detail.headers["X-Upload-Progress"] = found.form.dataset.uploadId;
    }
  });

  document.addEventListener("htmx:beforeSend", function (event) {
    const found = parts(event);
    if (!found) {
      return;
    }
    found.form.dataset.uploadState = "uploading";
    found.box.hidden = false;
    show(found, 0, "Uploading…");
    polling(found);
  });

  // htmx reports the upload's progress and then the response's; only the upload's is shown.
  document.addEventListener("htmx:xhr:progress", function (event) {
    const found = parts(event);
    if (!found || found.form.dataset.uploadState !== "uploading" || !event.detail.lengthComputable) {
      return;
    }
    show(found, Math.floor((100 * event.detail.loaded) / event.detail.total), "Uploading…");
    if (event.detail.loaded >= event.detail.total) {
      found.form.dataset.uploadState = "checking";
      found.bar.removeAttribute("value"); // indeterminate until the server has counted the rows
      found.status.textContent = "Checking every row…";
    }
  });

  // Done: the server's last count stays on show when every row was done (a file with errors never gets there).
  document.addEventListener("htmx:afterRequest", function (event) {
    const found = parts(event);
    if (!found) {
      return;
    }
    delete found.form.dataset.uploadState;
    poll(found)
      .catch(() => false)
      .then((complete) => {
        found.box.hidden = !complete;
      });
  });
})();
