// Tsunagi — a little plain JavaScript. Everything works without it; it only saves clicks.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // The office switcher submits when another office is chosen.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () { sel.form.submit(); });
    });
    // 全選択 / 全解除 for checkbox groups.
    document.querySelectorAll("[data-checkgroup]").forEach(function (group) {
      var boxes = function () { return group.querySelectorAll("input[type=checkbox]:not([disabled])"); };
      var all = group.querySelector("[data-check-all]");
      var none = group.querySelector("[data-uncheck-all]");
      var count = group.querySelector("[data-selected-count]");
      var recount = function () {
        if (!count) return;
        var n = 0;
        boxes().forEach(function (b) { if (b.checked) n += 1; });
        count.textContent = String(n);
      };
      if (all) all.addEventListener("click", function () { boxes().forEach(function (b) { b.checked = true; }); recount(); });
      if (none) none.addEventListener("click", function () { boxes().forEach(function (b) { b.checked = false; }); recount(); });
      group.addEventListener("change", recount);
      recount();
    });
  });
})();
// Forms that delete ask first.
document.addEventListener("submit", function (e) {
  var form = e.target;
  if (form && form.getAttribute && form.getAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
    e.preventDefault();
  }
});
// 印刷 buttons.
document.addEventListener("click", function (e) {
  var t = e.target;
  if (t && t.hasAttribute && t.hasAttribute("data-print")) { window.print(); }
});
// 第6表 grid: a click on an empty day puts 1 visit, a click on a 1 clears it; typing works as usual.
document.addEventListener("mousedown", function (e) {
  var t = e.target;
  if (!t || !t.closest || !t.closest("td.cell") || t.tagName !== "INPUT" || document.activeElement === t) return;
  if (t.value === "") { t.value = "1"; } else if (t.value === "1") { t.value = ""; }
});
