from django import template

from louwei.notices.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render a notice's Markdown as sanitised HTML."""
    return render_markdown(text)


@register.filter
def filesize_mb(size):
    return f"{(size or 0) / (1024 * 1024):.1f} MB"
