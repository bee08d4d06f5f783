// Old links to a passage on the contents page (/read/<doc>#<passage-id>) go to the
// passage's place in its section page.
(function () {
  "use strict";
  var toc = document.querySelector("[data-doc]");
  var id = decodeURIComponent(location.hash.slice(1));
  if (!toc || !id || id.indexOf("toc-") === 0 || !/^[\w.\-]+$/.test(id)) return;
  location.replace(location.pathname.replace(/\/$/, "") + "/passage/" + encodeURIComponent(id));
})();
