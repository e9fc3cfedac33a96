// Live repair progress: listens to the repair's server-sent events and updates the row of each (job, action, subject).
(function () {
  var table = document.getElementById("progress");
  if (!table || !window.EventSource) { return; }
  var status = document.getElementById("live-status");
  var source = new EventSource(table.getAttribute("data-events"));
  function cell(row, name) { return row.querySelector("[data-field='" + name + "']"); }
  function size(n) {
    if (n === null || n === undefined) { return ""; }
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i === 0 ? 0 : 1) + " " + units[i];
  }
  source.addEventListener("progress", function (e) {
    var p = JSON.parse(e.data);
    var key = p.jobId + "|" + p.action + "|" + p.subject;
    var row = table.querySelector("tr[data-key='" + CSS.escape(key) + "']");
    if (!row) {
      row = document.createElement("tr");
      row.setAttribute("data-key", key);
      ["worker", "action", "subject", "state", "bytes", "rate"].forEach(function (f) {
        var td = document.createElement("td"); td.setAttribute("data-field", f); row.appendChild(td);
      });
      table.tBodies[0].appendChild(row);
    }
    cell(row, "worker").textContent = p.worker;
    cell(row, "action").textContent = p.action;
    cell(row, "subject").textContent = p.subject;
    cell(row, "state").textContent = p.state;
    row.setAttribute("data-state", p.state);
    cell(row, "bytes").textContent = p.bytesTotal ? size(p.bytesDone) + " / " + size(p.bytesTotal) : size(p.bytesDone);
    cell(row, "rate").textContent = p.bytesPerSecond ? size(p.bytesPerSecond) + "/s" : "";
    if (status) { status.textContent = "Live: " + p.worker + " " + p.action + " " + p.state; }
  });
  source.addEventListener("done", function () {
    source.close();
    if (status) { status.textContent = "Finished"; }
    table.setAttribute("data-done", "true");
    window.location.reload();
  });
})();
