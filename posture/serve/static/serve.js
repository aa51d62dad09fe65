// The desk's only script: drag-and-drop upload, and a page that reloads itself when its analyses finish.
// Loaded from the desk itself (the CSP allows no inline script and no other source).
"use strict";

(function () {
  const form = document.getElementById("upload");
  const progress = document.getElementById("upload-progress");

  function send(files) {
    const body = new FormData();
    body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    for (const file of files) body.append("photos", file, file.name);
    progress.textContent = "Uploading " + files.length + " file" + (files.length === 1 ? "" : "s") + "…";
    fetch(form.action, { method: "POST", body: body, headers: { "Accept": "application/json" },
                         credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return { detail: response.statusText }; })
          .then(function (answer) { return { ok: response.ok, answer: answer }; });
      })
      .then(function (result) {
        const refused = (result.answer.refused || []).concat(result.answer.detail ? [result.answer.detail] : []);
        if (refused.length) {
          progress.textContent = refused.join(" ");
          if (result.ok) setTimeout(function () { location.reload(); }, 2500);
        } else {
          location.reload();
        }
      })
      .catch(function (error) { progress.textContent = "The upload did not reach the desk: " + error; });
  }

  if (form && window.FormData && window.fetch) {
    form.addEventListener("dragover", function (event) { event.preventDefault(); form.classList.add("over"); });
    form.addEventListener("dragleave", function () { form.classList.remove("over"); });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      form.classList.remove("over");
      if (event.dataTransfer.files.length) send(event.dataTransfer.files);
    });
    form.addEventListener("submit", function (event) {
      const files = document.getElementById("photos").files;
      if (!files.length) return;
      event.preventDefault();
      send(files);
    });
  }

  // Photos still queued or analysing: ask the desk every second, and reload once they are all finished.
  const pending = Array.from(document.querySelectorAll("[data-analysis]"))
    .filter(function (el) { return el.classList.contains("queued") || el.classList.contains("running"); });
  if (pending.length) {
    const ids = pending.map(function (el) { return el.dataset.analysis; }).join(",");
    const poll = function () {
      fetch("/status?ids=" + ids, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (statuses) {
          let waiting = 0;
          for (const el of pending) {
            const state = statuses[el.dataset.analysis];
            if (!state) continue;
            el.textContent = state.status === "running" ? "analysing" : state.status;
            el.className = "status " + state.status;
            if (state.status === "queued" || state.status === "running") waiting += 1;
          }
          if (waiting) setTimeout(poll, 1000); else location.reload();
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 500);
  }
})();
