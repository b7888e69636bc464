// Typeset formulas can be reached with the keyboard (a display formula wider than the column
// scrolls in its own box, and a scrolling box must take focus). MathJax's right-click menu did
// this before; the site loads MathJax without the menu (_ext/lean_assets.py).
(function () {
  "use strict";
  let tries = 0;
  function focusable() {
    for (const math of document.querySelectorAll("mjx-container")) {
      if (!math.hasAttribute("tabindex")) math.setAttribute("tabindex", "0");
    }
  }
  function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(focusable);
    } else if (++tries < 400) {
      setTimeout(whenTypeset, 25);   // MathJax's own script is still loading (up to 10 s)
    }
  }
  whenTypeset();
})();
