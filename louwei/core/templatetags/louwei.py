"""Template tags of the shell: ``{% load louwei %}``."""

from django import template

from louwei.core import phones

register = template.Library()

# A phone number as people read it (139 1234 5678, 0537-1234567), and its ``tel:`` link:
# ``<a href="{{ n|tel_href }}">{{ n|phone }}</a>``. Every page shows numbers through these.
register.filter("phone", phones.display)
register.filter("tel_href", phones.tel_href)


@register.simple_tag
def elided_pages(page, on_each_side=2, on_ends=1):
    """The page numbers to link, with ``Paginator.ELLIPSIS`` where some are left out:
    ``{% elided_pages page as numbers %}``."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=on_each_side, on_ends=on_ends))
