// "Scan a QR code": fills a text field with what a QR code in front of the camera says.
// A button <button type="button" data-scan-for="FIELD_ID"> is shown only where the browser
// lets the page use a camera (a secure page: https, or localhost); pressing it shows the
// camera's picture, reads each frame with jsQR (vendored, /static/jsqr) until a code
// appears, puts its text in the field and stops the camera. The status line says what is
// happening, for screen readers too. Nothing leaves the browser.
(function () {
  "use strict";

  function stop(state) {
    if (state.stream) {
      state.stream.getTracks().forEach(function (track) { track.stop(); });
      state.stream = null;
    }
    if (state.frame) {
      cancelAnimationFrame(state.frame);
      state.frame = null;
    }
    state.view.hidden = true;
    state.button.textContent = state.label;
    state.button.setAttribute("aria-pressed", "false");
  }

  function read(state) {
    var video = state.video;
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
      var canvas = state.canvas;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, {
        inversionAttempts: "attemptBoth",
      });
      if (code && code.data) {
        state.field.value = code.data;
        state.field.dispatchEvent(new Event("input", { bubbles: true }));
        stop(state);
        state.status.textContent = "QR code read: what it says is in the field. Check it, then continue.";
        state.field.focus();
        return;
      }
    }
    state.frame = requestAnimationFrame(function () { read(state); });
  }

  function start(state) {
    state.status.textContent = "Starting the camera…";
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        state.stream = stream;
        state.video.srcObject = stream;
        state.view.hidden = false;
        state.button.textContent = "Stop scanning";
        state.button.setAttribute("aria-pressed", "true");
        state.status.textContent = "Hold the QR code in front of the camera.";
        return state.video.play();
      })
      .then(function () { read(state); })
      .catch(function (error) {
        stop(state);
        state.status.textContent =
          error && error.name === "NotAllowedError"
            ? "The camera was not allowed. Allow it in the browser, or paste the link instead."
            : "No camera could be used here. Paste the link instead.";
      });
  }

  function setUp(button) {
    var field = document.getElementById(button.getAttribute("data-scan-for"));
    if (!field || !window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return; // the button stays hidden: pasting is the way
    }
    var view = document.createElement("div");
    view.className = "scan-view";
    view.hidden = true;
    var video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.setAttribute("muted", "");
    video.setAttribute("aria-label", "The camera's picture");
    view.appendChild(video);
    var status = document.createElement("p");
    status.setAttribute("role", "status");
    status.className = "scan-status";
    button.insertAdjacentElement("afterend", status);
    status.insertAdjacentElement("afterend", view);
    var state = {
      button: button, field: field, view: view, video: video, status: status,
      canvas: document.createElement("canvas"), label: button.textContent,
      stream: null, frame: null,
    };
    button.hidden = false;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      if (state.stream) {
        stop(state);
        state.status.textContent = "Scanning stopped.";
      } else {
        start(state);
      }
    });
  }

  document.querySelectorAll("button[data-scan-for]").forEach(setUp);
})();
