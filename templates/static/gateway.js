// PaySandbox cashier: progressive enhancement only. Without this script the
// page still shows the expiry time and every button works.
(function () {
  "use strict";

  // Countdown next to the expiry time.
  var t = document.querySelector("time[data-countdown]");
  if (t) {
    var end = Date.parse(t.getAttribute("datetime"));
    var label = document.createElement("span");
    t.after(label);
    var tick = function () {
      var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      if (left === 0) {
        label.textContent = " — " + (t.dataset.expired || "expired");
        label.className = "soon";
        document.querySelectorAll("form button").forEach(function (b) { b.disabled = true; });
        return false;
      }
      var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      // The page's language says how: data-left is "%s left" or "剩余 %s".
      var clock = (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(s);
      label.textContent = " (" + (t.dataset.left || "%s left").replace("%s", clock) + ")";
      label.className = left < 60 ? "soon" : "";
      return true;
    };
    t.textContent = new Date(end).toLocaleString(document.documentElement.lang || undefined);
    if (tick()) {
      var timer = setInterval(function () { if (!tick()) clearInterval(timer); }, 1000);
    }
  }

  // A QR code paid on a phone: notice it here and show the result.
  var poll = document.querySelector("[data-poll]");
  if (poll && window.fetch) {
    var url = poll.getAttribute("data-poll");
    setInterval(function () {
      fetch(url, { cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) { if (s && s.status !== "pending") location.reload(); })
        .catch(function () {});
    }, 3000);
  }

  // One click per form: a double tap must not send a payment twice.
  document.querySelectorAll("form").forEach(function (f) {
    f.addEventListener("submit", function () {
      setTimeout(function () {
        f.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
})();
