// Resumable upload for the publish form: with JavaScript, the file goes to the tus
// endpoint in chunks (resuming after a dropped connection), then the form is posted with
// the upload's id instead of the file. Without JavaScript the form posts the file.
(function () {
  "use strict";
  var form = document.getElementById("publish-form");
  if (!form || !window.tus || !tus.isSupported) { return; }
  var input = form.querySelector("input[type=file]");
  var hidden = form.querySelector("input[name=upload_id]");
  var box = document.getElementById("upload-progress");
  var bar = box.querySelector("progress");
  var label = box.querySelector("span");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var persian = document.documentElement.lang !== "en";
  function digits(text) {
    return persian ? String(text).replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }) : String(text);
  }
  form.addEventListener("submit", function (event) {
    if (hidden.value || !input.files.length) { return; }
    event.preventDefault();
    var file = input.files[0];
    box.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    var upload = new tus.Upload(file, {
      endpoint: form.dataset.uploadUrl,
      chunkSize: parseInt(form.dataset.chunkSize, 10),
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
      metadata: { filename: file.name },
      headers: { "X-CSRFToken": csrf },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        var percent = total ? Math.floor(sent * 100 / total) : 0;
        bar.value = percent;
        label.textContent = digits(percent) + "٪";
      },
      onError: function (error) {
        var message = (error && error.originalResponse && error.originalResponse.getBody()) || String(error);
        try { var parsed = JSON.parse(message); message = persian ? parsed.error.fa : parsed.error.en; } catch (e) {}
        label.textContent = message;
        form.querySelector("button[type=submit]").disabled = false;
      },
      onSuccess: function () {
        hidden.value = upload.url.replace(/\/$/, "").split("/").pop();
        input.disabled = true;  // the file has been sent; post only the form fields
        form.submit();
      }
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
      upload.start();
    });
  });
})();
