// PaySandbox QA console: progressive enhancement only — every page works
// without this file.
(function () {
  "use strict";
  // Copy buttons: hidden without JavaScript, they copy their value. Their
  // words come from the page, in its language (data-copied,
  // data-copy-failed).
  document.querySelectorAll("button.copy[data-copy]").forEach(function (b) {
    b.hidden = false;
    var label = b.textContent;
    var failed = function () { b.textContent = b.dataset.copyFailed || label; };
    b.addEventListener("click", function () {
      var done = function () { b.textContent = b.dataset.copied || label; setTimeout(function () { b.textContent = label; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(b.dataset.copy).then(done, failed);
      } else {
        var t = document.createElement("textarea");
        t.value = b.dataset.copy;
        document.body.appendChild(t);
        t.select();
        try { document.execCommand("copy"); done(); } catch (e) { failed(); }
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
    // A field whose value differs from the page's (typed, pasted, filled
    // in by a tool) is someone's work in progress.
    var changed = function () {
      return Array.prototype.some.call(document.querySelectorAll("input, textarea, select"), function (el) {
        if (el.type === "hidden" || el.type === "submit") { return false; }
        if (el.tagName === "SELECT") {
          var def = 0;
          for (var i = 0; i < el.options.length; i++) { if (el.options[i].defaultSelected) { def = i; break; } }
          return el.options.length > 0 && el.selectedIndex !== def;
        }
        return el.value !== el.defaultValue;
      });
    };
    var tick = function () {
      var a = document.activeElement;
      var busy = edited || changed() || (a && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) && a.type !== "submit");
      if (!busy && !document.hidden) { location.reload(); return; }
      setTimeout(tick, every * 1000);
    };
    // A message about what just happened stays a while before a refresh
    // takes it away.
    var first = document.querySelector("main .flash") ? Math.max(every, 10) : every;
    setTimeout(tick, first * 1000);
  }
})();
