// receivables administration: the template editor's live preview. Without it, the Preview button does the same.
(function () {
  var text = document.querySelector("textarea[data-preview]");
  if (!text || !text.form) { return; }
  var timer = null;
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var form = text.form, action = form.getAttribute("action"), target = form.getAttribute("target");
      form.setAttribute("action", text.getAttribute("data-preview"));
      form.setAttribute("target", "preview");
      form.submit();  // the frame shows the PDF, or the template's mistakes with their lines
      form.setAttribute("action", action);
      if (target) { form.setAttribute("target", target); } else { form.removeAttribute("target"); }
    }, 1200);
  });
})();
