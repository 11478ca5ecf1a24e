// The SQL page: Ctrl+Enter (or Cmd+Enter) runs the query; Tab indents instead of leaving.
(function () {
  "use strict";
  var editor = document.getElementById("sql");
  if (!editor) { return; }
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      editor.form.requestSubmit();
    } else if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      var start = editor.selectionStart;
      editor.setRangeText("  ", start, editor.selectionEnd, "end");
    }
  });
})();
