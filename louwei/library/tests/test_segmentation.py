from louwei.core.search import query_terms, segment, tokens


def test_a_long_word_also_yields_its_parts():
    words = segment("高新技术企业认定补贴政策").split(" ")
    assert "高新技术企业" in words
    assert "补贴" in words
    assert {"企业", "认定", "政策"} <= set(words)


def test_a_policy_word_is_found_inside_a_longer_phrase():
    words = tokens("关于申报2026年度高新技术企业研发费用加计扣除的通知")
    assert "高新技术企业" in words
    assert "研发费用加计扣除" in words
    assert "加计扣除" in words  # a dictionary word inside a longer one, four characters long
    assert "2026" in words


def test_punctuation_dropped_and_ascii_lower_cased():
    words = segment("《增值税留抵退税》，ABC公司：3.5%！").split(" ")
    assert "增值税" in words and "留抵退税" in words
    assert "abc" in words
    assert not any(set(w) & set("《》，：%！.") for w in words)
    assert "" not in words


def test_full_width_input_is_folded():
    assert "abc" in segment("ＡＢＣ公司").split(" ")


def test_query_terms_are_the_words_of_the_query_without_stop_words():
    assert query_terms("人才") == ["人才"]
    assert query_terms("加计扣除") == ["加计扣除"]
    assert query_terms("高新技术企业 补贴") == ["高新技术企业", "补贴"]
    assert query_terms("的人才的政策") == ["人才", "政策"]
    assert query_terms("  ，。 ") == []
    assert query_terms("") == [] and segment(None) == ""


def test_highlight_escapes_everything_and_marks_only_the_terms():
    from louwei.library.highlight import excerpt, highlight

    assert highlight("<i>ABC</i> 人才公寓 & 人才", ["abc", "人才"]) == (
        "&lt;i&gt;<mark>ABC</mark>&lt;/i&gt; <mark>人才</mark>公寓 &amp; <mark>人才</mark>"
    )
    assert highlight("<b>", []) == "&lt;b&gt;"
    assert highlight("a.b", ["."]) == "a<mark>.</mark>b"  # terms are literal text, not patterns
    text = "开头" * 100 + "研发费用加计扣除" + "结尾" * 100
    around = excerpt(text, ["加计扣除"], width=40)
    assert "加计扣除" in around and around.startswith("…") and around.endswith("…")
    assert excerpt("短文本", ["没有"]) == "短文本"
