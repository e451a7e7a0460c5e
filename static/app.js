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
    // 取込: drag and drop onto the drop area, and a list of the chosen files to tick.
    document.querySelectorAll("form[data-upload]").forEach(function (form) {
      var input = form.querySelector("[data-file-input]");
      var drop = form.querySelector("[data-drop]");
      var box = form.querySelector("[data-chosen]");
      var list = form.querySelector("[data-chosen-list]");
      var chosen = [];
      var show = function () {
        list.textContent = "";
        chosen.forEach(function (c, i) {
          var li = document.createElement("li");
          var label = document.createElement("label");
          var cb = document.createElement("input");
          cb.type = "checkbox";
          cb.checked = c.on;
          cb.addEventListener("change", function () { chosen[i].on = cb.checked; });
          label.appendChild(cb);
          label.appendChild(document.createTextNode(" " + c.file.name + "（" + Math.ceil(c.file.size / 1024) + " KB）"));
          li.appendChild(label);
          list.appendChild(li);
        });
        box.hidden = chosen.length === 0;
      };
      var add = function (files) {
        for (var i = 0; i < files.length; i++) chosen.push({ file: files[i], on: true });
        show();
      };
      input.addEventListener("change", function () { chosen = []; add(input.files); });
      ["dragenter", "dragover"].forEach(function (t) {
        drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (t) {
        drop.addEventListener(t, function () { drop.classList.remove("over"); });
      });
      drop.addEventListener("drop", function (e) {
        e.preventDefault();
        if (e.dataTransfer && e.dataTransfer.files) add(e.dataTransfer.files);
      });
      form.querySelector("[data-chosen-all]").addEventListener("click", function () {
        chosen.forEach(function (c) { c.on = true; }); show();
      });
      form.querySelector("[data-chosen-none]").addEventListener("click", function () {
        chosen.forEach(function (c) { c.on = false; }); show();
      });
      // Send only the ticked files.
      form.addEventListener("submit", function () {
        if (!chosen.length || typeof DataTransfer === "undefined") return;
        var dt = new DataTransfer();
        chosen.forEach(function (c) { if (c.on) dt.items.add(c.file); });
        input.files = dt.files;
      });
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
// 一括印刷: a link to every recipient's sheet; with ticked recipients, only theirs.
document.addEventListener("click", function (e) {
  var t = e.target;
  if (!t || !t.closest) return;
  var link = t.closest("a[data-print-selected]");
  if (!link) return;
  var form = link.closest("form");
  var ids = form ? Array.prototype.map.call(form.querySelectorAll("input[name=sel]:checked"), function (c) { return "sel=" + encodeURIComponent(c.value); }) : [];
  if (ids.length > 0) {
    e.preventDefault();
    window.open(link.getAttribute("href") + "?" + ids.join("&"), "_blank");
  }
});
// 第6表 grid: a click on an empty day puts 1 visit, a click on a 1 clears it; typing works as usual.
document.addEventListener("mousedown", function (e) {
  var t = e.target;
  if (!t || !t.closest || !t.closest("td.cell") || t.tagName !== "INPUT" || document.activeElement === t) return;
  if (t.value === "") { t.value = "1"; } else if (t.value === "1") { t.value = ""; }
});
