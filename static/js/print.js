/* The footer of every printed page: the address the page was printed from, the day it was printed and, for a page of
   the record at a past date, that date; and the page number. A sheet of paper travels without its address bar.

   The footer is written as the page's @page margin boxes through a constructed stylesheet (the site's content security
   policy refuses inline styles, not stylesheets built by its own script), again just before each print, so that the
   date is the day of printing even when the page came from a cache. */
(function () {
  "use strict";

  var sheet = null;

  function quoted(text) {
    return '"' + text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/[\r\n]+/g, " ") + '"';
  }

  function writeFooter() {
    if (!("adoptedStyleSheets" in document) || typeof CSSStyleSheet !== "function") return;
    var printed = new Date().toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
    var asAt = document.body.dataset.asAt;
    var where = window.location.href + " · printed " + printed + (asAt ? " · the record as at " + asAt : "");
    if (!sheet) {
      sheet = new CSSStyleSheet({ media: "print" });
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
    }
    sheet.replaceSync(
      "@page { @bottom-left { content: " + quoted(where) + "; font-size: 8pt; color: #333; vertical-align: top; }" +
        ' @bottom-right { content: "Page " counter(page) " of " counter(pages); width: 28mm; text-align: right; font-size: 8pt; color: #333; vertical-align: top; } }'
    );
  }

  writeFooter();
  window.addEventListener("beforeprint", writeFooter);
})();
