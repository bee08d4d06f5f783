// A tiny SPARQL editor: a plain <textarea> with a highlighted <pre> layered underneath,
// example loading and Ctrl+Enter to run.  No dependencies, works offline; without
// JavaScript the textarea and the form work on their own.
(function () {
  "use strict";
  var KEYWORDS = /^(?:select|construct|describe|ask|where|from|named|prefix|base|distinct|reduced|optional|union|minus|graph|service|silent|bind|as|values|filter|not|exists|in|group|by|having|order|asc|desc|limit|offset|a|undef)$/i;
  var FUNCTIONS = /^(?:str|lang|langmatches|datatype|bound|iri|uri|bnode|rand|abs|ceil|floor|round|concat|strlen|ucase|lcase|encode_for_uri|contains|strstarts|strends|strbefore|strafter|year|month|day|hours|minutes|seconds|timezone|tz|now|uuid|struuid|md5|sha1|sha256|sha384|sha512|coalesce|if|strlang|strdt|sameterm|isiri|isuri|isblank|isliteral|isnumeric|regex|substr|replace|count|sum|min|max|avg|sample|group_concat)$/i;
  var TOKEN = /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"{}|^`\\\s]*>)|([?$][\w]+)|([A-Za-z][\w.-]*)?(:[\w.-]*)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_]\w*)/g;

  function escapeHtml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function highlight(src) {
    var out = "", last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(src)) !== null) {
      out += escapeHtml(src.slice(last, m.index));
      var cls = null;
      if (m[1]) cls = "tok-comment";
      else if (m[2]) cls = "tok-string";
      else if (m[3]) cls = "tok-iri";
      else if (m[4]) cls = "tok-var";
      else if (m[6] !== undefined) cls = "tok-pname";
      else if (m[7]) cls = "tok-number";
      else if (m[8]) cls = KEYWORDS.test(m[8]) ? "tok-keyword" : (FUNCTIONS.test(m[8]) ? "tok-function" : null);
      var text = escapeHtml(m[0]);
      out += cls ? '<span class="' + cls + '">' + text + "</span>" : text;
      last = TOKEN.lastIndex;
    }
    return out + escapeHtml(src.slice(last)) + "\n";
  }

  function init() {
    var area = document.getElementById("query");
    if (!area) return;
    var editor = area.closest(".editor");
    var code = editor.querySelector(".editor-highlight code");
    var pre = editor.querySelector(".editor-highlight");
    editor.classList.add("enhanced");
    function refresh() {
      code.innerHTML = highlight(area.value);
      pre.scrollTop = area.scrollTop;
      pre.scrollLeft = area.scrollLeft;
    }
    area.addEventListener("input", refresh);
    area.addEventListener("scroll", function () { pre.scrollTop = area.scrollTop; pre.scrollLeft = area.scrollLeft; });
    area.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        area.form.requestSubmit ? area.form.requestSubmit() : area.form.submit();
      } else if (e.key === "Tab" && !e.shiftKey && !e.ctrlKey && !e.altKey) {
        // two spaces; Escape then Tab still leaves the field for keyboard users
        if (area.dataset.tabTrap === "off") return;
        e.preventDefault();
        var s = area.selectionStart, end = area.selectionEnd;
        area.value = area.value.slice(0, s) + "  " + area.value.slice(end);
        area.selectionStart = area.selectionEnd = s + 2;
        refresh();
      } else if (e.key === "Escape") {
        area.dataset.tabTrap = "off";
      }
    });
    area.addEventListener("focus", function () { area.dataset.tabTrap = "on"; });
    var picker = document.querySelector("[data-examples]");
    if (picker) {
      picker.addEventListener("change", function () {
        var tpl = document.getElementById("example-" + picker.value);
        if (tpl) {
          area.value = tpl.content ? tpl.content.textContent : tpl.textContent;
          refresh();
          area.focus();
        }
      });
    }
    refresh();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
