"""The template fingerprint: the same skeleton gives the same hash whatever the text, a redesign changes it."""

from helpers import article_html, story_paragraphs

from newsflow.extract import extract


def _fingerprint(html: str) -> str | None:
    return extract(html, url="https://news.example.com/a").template_fingerprint


def test_pages_of_one_template_share_a_fingerprint_whatever_their_text_and_length():
    one = article_html("One", story_paragraphs(1, 4))
    other = article_html("Another headline", story_paragraphs(2, 11), author="John Roe")
    assert _fingerprint(one) == _fingerprint(other) is not None


def test_digits_in_class_names_do_not_count_but_a_new_skeleton_does():
    page = '<html><body><div class="col-{n} css-{n}x"><main class="story"><p>{text}</p></main></div></body></html>'
    text = " ".join(story_paragraphs(3, 3))
    assert _fingerprint(page.format(n=4, text=text)) == _fingerprint(page.format(n=8, text=text))
    redesigned = page.replace('<main class="story">', '<section class="v2-story"><main class="story">').replace(
        "</main>", "</main></section>")
    assert _fingerprint(redesigned.format(n=4, text=text)) != _fingerprint(page.format(n=4, text=text))


def test_page_furniture_is_part_of_the_template():
    paragraphs = story_paragraphs(4, 6)
    assert (_fingerprint(article_html("T", paragraphs, furniture=True))
            != _fingerprint(article_html("T", paragraphs, furniture=False)))


def test_deep_markup_is_walked_without_recursion():
    from lxml import etree

    from newsflow.extract.template import template_fingerprint

    html = "<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</body></html>"
    root = etree.fromstring(html, etree.HTMLParser(huge_tree=True))
    assert len(template_fingerprint(root) or "") == 16
