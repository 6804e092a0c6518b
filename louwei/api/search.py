"""The API's ``?search=``: DRF's search filter, bounded like every search box of the site."""

from __future__ import annotations

from rest_framework import filters

from louwei.core.forms import SEARCH_MAX_LENGTH

MAX_TERMS = 10


class SearchFilter(filters.SearchFilter):
    """At most :data:`MAX_TERMS` words of at most ``SEARCH_MAX_LENGTH`` characters in all: a longer text
    is cut, as a search box cuts what is typed past its length (SQLite refuses a LIKE pattern of
    50,000 bytes, and each word costs one more condition)."""

    def get_search_terms(self, request):
        terms, length = [], 0
        for term in super().get_search_terms(request)[:MAX_TERMS]:
            term = term[: max(0, SEARCH_MAX_LENGTH - length)]
            if not term:
                break
            terms.append(term)
            length += len(term)
        return terms
