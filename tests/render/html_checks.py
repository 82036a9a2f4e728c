"""The HTML report's checks, shared by check_html.py (the fixture) and
check_served.py (the served demo report): a strict HTML5 parse (html5lib),
structure, accessibility, nothing that runs or loads."""
import html5lib

from common import check

NS = ""


def text(el):
    return "".join(el.itertext())


def local(tag):
    """An element's name without its namespace: <svg> content is parsed into
    the SVG namespace, and an svg:script must count as a script too."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def all_(root, tag):
    return [el for el in root.iter() if local(el.tag) == tag]


def check_page(html, label, groups):
    try:
        doc = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    except html5lib.html5parser.ParseError as e:
        check(False, f"{label}: HTML parse error: {e}")
        return None
    root = doc
    check(root.get("lang") == "en-GB", f"{label}: <html lang>")
    check(len(all_(root, "title")) == 1 and text(all_(root, "title")[0]).strip(), f"{label}: <title>")
    check(len(all_(root, "style")) == 1, f"{label}: one <style>")
    metas = [m for m in all_(root, "meta") if m.get("http-equiv") == "Content-Security-Policy"]
    check(len(metas) == 1 and "default-src 'none'" in metas[0].get("content", ""), f"{label}: CSP meta")
    # No script, no handler, nothing loaded from anywhere.
    check(not all_(root, "script"), f"{label}: a <script> element")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = local(el.tag)
        for name, value in el.attrib.items():
            check(not name.lower().startswith("on"), f"{label}: event handler {name} on <{el.tag}>")
            if name in ("src", "href"):
                check(value.startswith("data:image/svg+xml;base64,") or value.startswith("#"),
                      f"{label}: <{tag} {name}={value[:40]}> loads something")
        check(tag not in ("iframe", "object", "embed", "link", "base", "form", "svg", "script",
                          "foreignObject"), f"{label}: <{tag}>")
    # Landmarks and headings.
    check(len(all_(root, "main")) == 1 and len(all_(root, "header")) >= 1, f"{label}: landmarks")
    check(len(all_(root, "h1")) == 1, f"{label}: one <h1>")
    h2 = [text(h).strip() for h in all_(root, "h2")]
    for g in groups:
        check(g in h2, f"{label}: no <h2> {g}")
    check("Data notes" in h2 and "Key to ratings" in h2, f"{label}: section headings {h2}")
    # Tables: every one has a caption, a header row of <th scope="col">, and
    # every data row a <th scope="row"> or plain cells of the same count.
    for t in all_(root, "table"):
        cap = t.find("caption")
        check(cap is not None and text(cap).strip(), f"{label}: a table without a caption")
        head = t.find("thead")
        check(head is not None, f"{label}: table '{text(cap) if cap is not None else '?'}' has no <thead>")
        if head is None:
            continue
        cols = head.findall("tr/th")
        check(cols and all(th.get("scope") == "col" for th in cols), f"{label}: header cells without scope=col")
        width = len(cols)
        for tr in t.iter("tr"):
            n = sum(int(c.get("colspan", "1")) for c in tr if c.tag in ("td", "th"))
            check(n == width, f"{label}: table '{text(cap)}' row of {n} cells under {width} columns")
    # Ratings are text on colour: every badge says its code.
    for span in root.iter("span"):
        cls = span.get("class", "")
        if cls.startswith("rag "):
            code = cls.split("rag-")[1]
            check(text(span) == code, f"{label}: badge {cls} says {text(span)!r}")
    for img in all_(root, "img"):
        check(img.get("alt"), f"{label}: an image without alt text")
    return root
