"""Chinese word segmentation for full-text search (kernel: knows no feature).

Chinese has no spaces between words, so text is cut into words with jieba before a database's
full-text index sees it. :func:`segment` gives the tokens to index, space-separated: every word
and, for a long word, the dictionary words inside it (高新技术企业 also yields 高新, 技术, 企业 …), so a
query for a shorter word finds the longer phrase. :func:`query_terms` cuts a person's query into
the words that must all be found.

jieba is loaded once per process, on first use, with the policy words of ``search_words.txt``.
Its prefix-dictionary cache goes under ``VAR_DIR/cache`` (or the system temp folder when that is
not writable); jieba writes it to a temporary file and renames it into place, so processes that
build it at the same moment (parallel test workers, web and worker) never read a half-written file.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from pathlib import Path

from django.conf import settings

from louwei.core.text import normalise

WORDS_FILE = Path(__file__).with_name("search_words.txt")

# Words a query does not need to find (they would only make an AND-query miss).
STOP_WORDS = frozenset("的 了 和 与 及 或 在 是 对 等 之 把 被 将 其 为 于 以 并 而 也 就 都 这 那 有 要".split())

# A token is a run of letters and digits (CJK characters are letters); everything else separates.
_NON_WORD = re.compile(r"[^\w]|_", re.UNICODE)

_lock = threading.Lock()
_tokenizer = None


def _cache_dir() -> str:
    """A writable folder for jieba's cache: ``VAR_DIR/cache``, else the system temp folder."""
    candidate = Path(getattr(settings, "VAR_DIR", tempfile.gettempdir())) / "cache"
    try:
        candidate.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=candidate, prefix=".probe-")
        probe.close()
        return str(candidate)
    except OSError:
        return tempfile.gettempdir()


def tokenizer():
    """jieba's default tokenizer, initialised once (quietly) with our policy dictionary."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            logging.getLogger("jieba").setLevel(logging.WARNING)
            jieba.setLogLevel(logging.WARNING)
            tok = jieba.dt
            tok.tmp_dir = _cache_dir()
            tok.cache_file = f"louwei-jieba-{jieba.__version__}.cache"
            tok.initialize()
            tok.load_userdict(str(WORDS_FILE))
            _tokenizer = tok
    return _tokenizer


def _clean(text) -> str:
    return normalise(text).lower()


def _pieces(word: str) -> list[str]:
    """Split a jieba token at anything that is not a letter or digit (``3.5`` → ``3``, ``5``)."""
    return [piece for piece in _NON_WORD.split(word) if piece]


def _inner_words(word: str, freq: dict) -> list[str]:
    """The dictionary words inside ``word`` of two characters up to one shorter than the word."""
    found = []
    for size in range(2, len(word)):
        for start in range(len(word) - size + 1):
            gram = word[start:start + size]
            if freq.get(gram):
                found.append(gram)
    return found


def tokens(text) -> list[str]:
    """Index tokens of ``text`` in order, with repeats (see :func:`segment`)."""
    text = _clean(text)
    if not text:
        return []
    tok = tokenizer()
    out: list[str] = []
    for word in tok.cut_for_search(text):
        for piece in _pieces(word):
            out.append(piece)
            if len(piece) > 3:
                # cut_for_search adds the 2- and 3-character words inside a long word; add the longer ones
                # too (研发费用加计扣除 → 加计扣除), so a query for any dictionary word inside it matches.
                out.extend(w for w in _inner_words(piece, tok.FREQ) if len(w) > 3)
    return out


def segment(text) -> str:
    """Space-joined tokens of ``text`` for a full-text index (lower-case, punctuation dropped)."""
    return " ".join(tokens(text))


def query_terms(text) -> list[str]:
    """The words of a person's query, each of which a matching document must contain.

    The query is cut in precise mode (the longest dictionary words), without stop words and repeats.
    """
    text = _clean(text)
    if not text:
        return []
    tok = tokenizer()
    terms: list[str] = []
    for word in tok.cut(text):
        for piece in _pieces(word):
            if piece not in STOP_WORDS and piece not in terms:
                terms.append(piece)
    return terms
