/* Search snippets from the page's prose: Sphinx's default takes the raw textContent of the
   main block, which carries TeX source (MathJax has not run on a fetched page) and the text of
   buttons and navigation. Loaded on the search page only (_ext/search_text.py). */
"use strict";
(() => {
  const CHROME = [
    ".headerlink", "script", "style", "noscript", "template",
    ".math", "mjx-container", "math",                     // formulas: TeX source until MathJax runs
    ".bd-header-article", ".article-header-buttons", "button", ".dropdown-menu",
    "nav", ".bd-toc", ".prev-next-area", ".prev-next-footer", "footer", ".bd-footer-content",
    ".notebook-links", ".sbt-scroll-pixel-helper", ".toctree-wrapper",
  ];
  const readable = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    const main = doc.querySelector('[role="main"]');
    if (!main) return "";
    main.querySelectorAll(CHROME.join(",")).forEach((el) => el.remove());
    const block = (anchor && main.querySelector(anchor)) || main;
    return block.textContent.replace(/\s+/g, " ").trim();
  };
  // searchtools.js declares `const Search`: a global binding, not a property of window
  const install = () => { if (typeof Search !== "undefined") Search.htmlToText = readable; };
  install();
  document.addEventListener("DOMContentLoaded", install);
})();
