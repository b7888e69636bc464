"""Korean support the book needs and Sphinx 7 lacks.

* A search language ``ko``: Sphinx indexes "가중치를" as one word, so a search for "가중치"
  or "분산" would miss most pages. Both the index (Python) and the query (JavaScript) strip
  the same trailing particles, so "분산이" and "분산" meet at the same index entry.
* The proof prefix "증명." in place of sphinx-proof's hard-coded English "Proof.".
"""

from __future__ import annotations

import json

from sphinx.search import SearchLanguage

# Noun particles, longest first so that "에서는" is removed before "는".
PARTICLES = sorted(
    {
        "에서는", "으로는", "이라는", "에서", "에게", "으로", "라는", "이라", "까지", "부터",
        "보다", "처럼", "이나", "이며", "이고", "이란", "에는", "로는", "와는", "과는", "에도",
        "은", "는", "이", "가", "을", "를", "의", "에", "로", "와", "과", "도", "만",
    },
    key=lambda p: (-len(p), p),
)
# A stem keeps at least two syllables: "층의" stays as it is, while "정의" (definition) is
# not cut to "정". The price is that a one-syllable noun with a particle is not found.
MIN_STEM = 2


def strip_particle(word: str) -> str:
    """Remove one trailing Korean particle from ``word`` (the index and the query agree)."""
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= MIN_STEM:
            return word[: -len(particle)]
    return word


class SearchKorean(SearchLanguage):
    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = """
var Stemmer = function() {
  var particles = %s;
  this.stemWord = function(w) {
    for (var i = 0; i < particles.length; i++) {
      var p = particles[i];
      if (w.length - p.length >= %d && w.slice(-p.length) === p) {
        return w.slice(0, -p.length);
      }
    }
    return w;
  };
};
""" % (json.dumps(PARTICLES, ensure_ascii=False), MIN_STEM)

    def stem(self, word: str) -> str:
        return strip_particle(word.lower())


def _korean_proof_directive():
    from docutils import nodes
    from sphinx_proof.directive import ProofDirective
    from sphinx_proof.nodes import proof_node

    class KoreanProofDirective(ProofDirective):
        """``prf:proof`` whose body starts with "증명." instead of the hard-coded "Proof."."""

        def run(self):
            typ = self.name.split(":")[1]
            # The id "proof" is what sphinx-proof's stylesheet targets, so it is kept.
            section = nodes.admonition(classes=["proof", typ, *self.options.get("class", [])], ids=[typ])
            self.content[0] = "증명. " + self.content[0]
            self.state.nested_parse(self.content, 0, section)
            node = proof_node()
            node += section
            return [node]

    return KoreanProofDirective


def setup(app):
    app.setup_extension("sphinx_proof")
    app.add_search_language(SearchKorean)
    app.add_directive_to_domain("prf", "proof", _korean_proof_directive(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
