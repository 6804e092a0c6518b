from louwei.notices.rendering import render_markdown


def test_markdown_is_rendered_and_no_raw_html_passes():
    html = render_markdown(
        "## 申报\n\n**加粗** [链接](https://example.cn) [坏链接](javascript:alert(1))\n\n"
        "<div onclick=\"x()\">块</div>\n\n<img src=x onerror=alert(1)>\n\n- 一\n- 二"
    )
    assert "<h2>申报</h2>" in html and "<strong>加粗</strong>" in html and "<li>一</li>" in html
    assert '<a href="https://example.cn" rel="noopener noreferrer nofollow">链接</a>' in html
    assert '<a rel="noopener noreferrer nofollow">坏链接</a>' in html  # the javascript: URL is dropped
    assert "<div" not in html and "<img" not in html  # raw HTML is shown as text, never as markup
    assert "&lt;div onclick=" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
