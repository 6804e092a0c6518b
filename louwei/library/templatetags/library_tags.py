from django import template

from louwei.library.highlight import excerpt, highlight

register = template.Library()


@register.filter(name="highlight")
def highlight_filter(text, terms):
    """``{{ doc.title|highlight:result.terms }}``: escaped text, matched words in <mark>."""
    return highlight(text, terms or [])


@register.filter(name="excerpt")
def excerpt_filter(text, terms):
    """``{{ doc.content|excerpt:result.terms|highlight:result.terms }}``: the text around the first match."""
    return excerpt(text, terms or [])
