"""What a reader sees on a page, measured in the browser (shared by the render and a11y tests).

``PROBE`` runs in the page after MathJax has typeset and the fonts are in. It returns:

* ``raw``: fragments of TeX source ($, backslash, ^{, _{ or a \\command) in text nodes outside
  typeset math (MathJax output), code, scripts and styles;
* ``wideCode``: code cells (input and output) wider than their box, i.e. scrolling sideways;
* ``wideMath``: display equations wider than the text column or than their own box;
* ``cutMath``: typeset math (inline or display) whose right edge lies beyond the visible area
  of the box that clips it, where that box does not scroll sideways (cut off for the reader);
* ``pageWidth`` / ``viewWidth``: whether the page itself scrolls sideways.
"""

from __future__ import annotations

PROBE = r"""
const SKIP = 'mjx-container, mjx-assistive-mml, pre, code, kbd, samp, script, style, noscript, template, textarea, svg, math';
const TEX = /\$|\\|\^\{|_\{/;
const raw = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const text = node.nodeValue;
  if (!TEX.test(text)) continue;
  const parent = node.parentElement;
  if (!parent || parent.closest(SKIP)) continue;
  const at = text.search(TEX);
  raw.push(text.slice(Math.max(0, at - 40), at + 40).replace(/\s+/g, ' '));
}
// attributes a reader meets too (tooltips, alt text)
for (const el of document.querySelectorAll('[title], [alt], [aria-label]')) {
  if (el.closest(SKIP)) continue;
  for (const name of ['title', 'alt', 'aria-label']) {
    const v = el.getAttribute(name);
    if (v && TEX.test(v)) raw.push(`${name}="${v.slice(0, 80)}"`);
  }
}
const wideCode = [];
for (const pre of document.querySelectorAll('article div.cell pre, article div.highlight pre')) {
  if (pre.scrollWidth > pre.clientWidth + 1) {
    wideCode.push({width: pre.scrollWidth, box: pre.clientWidth,
                   kind: pre.closest('.cell_output') ? 'output' : 'input',
                   text: pre.textContent.split('\n').sort((a, b) => b.length - a.length)[0].slice(0, 80)});
  }
}
const article = document.querySelector('article') || document.body;
const column = article.getBoundingClientRect();
const wideMath = [];
for (const box of document.querySelectorAll('article mjx-container[display="true"]')) {
  const math = box.querySelector('mjx-math') || box;
  const r = math.getBoundingClientRect();
  const b = box.getBoundingClientRect();
  // the equation itself is wider than the column, its box spills out of the column, or the
  // equation is wider than its own box (which then scrolls: the theme's text column is
  // narrower than the article)
  if (r.width > column.width + 1 || b.right > column.right + 1 || b.left < column.left - 1 ||
      box.scrollWidth > box.clientWidth + 1) {
    wideMath.push({width: Math.round(r.width), column: Math.round(column.width),
                   scrolls: box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX !== 'visible',
                   text: box.textContent.slice(0, 60)});
  }
}
// Typeset math (inline or display) whose right edge lies beyond the visible area of the box
// that clips it (the nearest ancestor whose overflow-x is not visible, else the window),
// unless that box scrolls sideways (overflow-x auto or scroll, and wider content than box).
const cutMath = [];
for (const math of document.querySelectorAll('article mjx-container')) {
  const r = math.getBoundingClientRect();
  if (r.width === 0) continue;
  let box = math.parentElement;
  // overflow does not apply to plain inline boxes; it does to inline-flex and inline-block ones
  // (the theme's span.math is inline-flex with overflow: hidden and max-width: 100%)
  const clips = (el) => { const cs = getComputedStyle(el); return cs.overflowX !== 'visible' && cs.display !== 'inline' && cs.display !== 'contents'; };
  while (box && box !== document.body && !clips(box)) box = box.parentElement;
  const clipper = box && box !== document.body ? box : null;
  const visibleRight = clipper ? clipper.getBoundingClientRect().left + clipper.clientLeft + clipper.clientWidth
                               : document.documentElement.clientWidth;
  if (r.right <= visibleRight + 1) continue;
  const style = clipper ? getComputedStyle(clipper).overflowX : 'visible';
  const scrolls = !!clipper && (style === 'auto' || style === 'scroll') && clipper.scrollWidth > clipper.clientWidth;
  if (!scrolls) {
    cutMath.push({right: Math.round(r.right), visibleRight: Math.round(visibleRight), overflowX: style,
                  box: clipper ? clipper.tagName.toLowerCase() + '.' + [...clipper.classList].join('.') : 'window',
                  text: math.textContent.slice(0, 60)});
  }
}
return {raw, wideCode, wideMath, cutMath,
        pageWidth: document.documentElement.scrollWidth, viewWidth: window.innerWidth,
        displayMath: document.querySelectorAll('article mjx-container[display="true"]').length,
        codeCells: document.querySelectorAll('article div.cell pre, article div.highlight pre').length};
"""


def site_pages(directory) -> list[str]:
    """Every HTML page a reader can reach in a built site (not the copied sources or assets)."""
    from pathlib import Path

    directory = Path(directory)
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*.html")
                  if not p.relative_to(directory).parts[0].startswith("_"))
