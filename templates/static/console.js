// PaySandbox QA console: progressive enhancement only — every page works
// without this file.
(function () {
  "use strict";
  // Copy buttons: hidden without JavaScript, they copy their value.
  document.querySelectorAll("button.copy[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(b.dataset.copy).then(done, function () { b.textContent = "Select and copy"; });
      } else {
        var t = document.createElement("textarea");
        t.value = b.dataset.copy;
        document.body.appendChild(t);
        t.select();
        try { document.execCommand("copy"); done(); } catch (e) { b.textContent = "Select and copy"; }
        t.remove();
      }
    });
  });
  // Pages showing something pending reload every few seconds (a meta
  // refresh does it without JavaScript), but never while someone is typing
  // into one of their forms.
  var every = parseInt(document.body.dataset.refresh || "0", 10);
  if (every > 0) {
    var edited = false;
    document.addEventListener("input", function () { edited = true; });
    var tick = function () {
      var a = document.activeElement;
      var busy = edited || (a && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) && a.type !== "submit");
      if (!busy && !document.hidden) { location.reload(); return; }
      setTimeout(tick, every * 1000);
    };
    setTimeout(tick, every * 1000);
  }
})();
