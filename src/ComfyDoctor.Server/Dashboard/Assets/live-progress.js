// Live repair progress without reloading: listens to the repair's server-sent events (each `progress` event is one job
// with its per-action progress; `done` carries every job with its results) and updates the rows of #progress.
(function () {
  var table = document.getElementById("progress");
  var url = table && table.getAttribute("data-events");
  if (!url || !window.EventSource) { return; }
  var status = document.getElementById("live-status");
  var log = document.getElementById("live-log");
  var fields = ["worker", "action", "subject", "state", "bytes", "rate", "message"];

  // The browser's mirror of Core/Text/Printable.Escape: the events carry exact names (JSON), what is shown is escaped.
  function printable(text) {
    return (text === null ? "" : String(text)).replace(/[\u0000-\u001f\u007f-\u009f]/g, function (c) { return "\\x" + ("0" + c.charCodeAt(0).toString(16)).slice(-2); })
      .replace(/[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/g, function (m) {
        var c = m.charCodeAt(m.length - 1), lead = m.length > 1 ? m[0] : "";
        return lead + "\\u" + ("000" + c.toString(16)).slice(-4);
      });
  }
  function size(n) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i === 0 ? 0 : 1) + " " + units[i];
  }
  function row(key, after) {
    var found = Array.prototype.find.call(table.tBodies[0].rows, function (r) { return r.getAttribute("data-key") === key; });
    if (found) { return found; }
    var created = document.createElement("tr");
    created.setAttribute("data-key", key);
    fields.forEach(function (f) { var td = document.createElement("td"); td.setAttribute("data-field", f); created.appendChild(td); });
    table.tBodies[0].insertBefore(created, after ? after.nextSibling : null);
    return created;
  }
  function set(r, values) {
    Object.keys(values).forEach(function (f) { r.querySelector("[data-field='" + f + "']").textContent = printable(values[f]); });
    if (values.state) { r.setAttribute("data-state", values.state); }
  }
  function show(job, actions) {
    var jobRow = row(job.id, null);
    set(jobRow, { worker: job.worker, action: "job", state: job.status, message: job.error || (job.progress && job.progress.message) || "" });
    var last = jobRow;
    (actions || []).forEach(function (a) {
      var r = row(job.id + "|" + a.kind + "|" + a.subject, last);
      var values = { worker: job.worker, action: a.kind, subject: a.subject, state: a.state || a.outcome, message: (a.source || "") + " " + (a.message || "") };
      if ("bytesDone" in a) { // a result carries no byte counts: the last ones seen stay
        values.bytes = a.bytesTotal ? size(a.bytesDone) + " / " + size(a.bytesTotal) : (a.bytesDone ? size(a.bytesDone) : "");
        values.rate = a.bytesPerSecond ? size(a.bytesPerSecond) + "/s" : "";
      }
      set(r, values);
      last = r;
    });
  }
  function note(text) {
    if (status) { status.textContent = printable(text); }
    if (log) { var li = document.createElement("li"); li.textContent = printable(text); log.appendChild(li); }
  }

  var source = new EventSource(url);
  source.addEventListener("progress", function (e) {
    var job = JSON.parse(e.data);
    var actions = job.progress && job.progress.actions;
    show(job, actions);
    note("Live: " + job.worker + " " + job.status + (actions ? " — " + actions.map(function (a) { return a.subject + " " + a.state; }).join(", ") : ""));
  });
  source.addEventListener("done", function (e) {
    source.close();
    JSON.parse(e.data).forEach(function (job) { show(job, job.result && job.result.outcome && job.result.outcome.actions); });
    note("Finished");
    table.setAttribute("data-done", "true");
    var link = document.getElementById("results-link");
    if (link) { link.hidden = false; }
  });
})();
