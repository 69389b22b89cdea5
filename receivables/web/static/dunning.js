// The dunning run page: while a run is executed, ask the server how far it is once a second.
(function () {
  var box = document.getElementById("progress");
  if (!box || box.getAttribute("data-state") !== "running") { return; }
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", box.getAttribute("data-url"));
    request.onload = function () {
      if (request.status !== 200) { return; }
      var job = JSON.parse(request.responseText);
      if (job.state === "running") {
        bar.max = job.total || 1;
        bar.value = job.done || 0;
        text.textContent = text.getAttribute("data-running") + " " + job.what + " " + job.done + "/" + (job.total || "?");
        window.setTimeout(poll, 1000);
      } else if (job.state === "done") {
        bar.max = 1; bar.value = 1;
        text.textContent = text.getAttribute("data-done");
        window.location.reload();
      } else {
        text.textContent = text.getAttribute("data-failed") + ": " + (job.error || "");
      }
    };
    request.send();
  }
  window.setTimeout(poll, 1000);
})();
