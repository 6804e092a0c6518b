"""Template tags of the shell: ``{% load louwei %}``."""

from django import template

register = template.Library()


@register.simple_tag
def elided_pages(page, on_each_side=2, on_ends=1):
    """The page numbers to link, with ``Paginator.ELLIPSIS`` where some are left out:
    ``{% elided_pages page as numbers %}``."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=on_each_side, on_ends=on_ends))
