#!/usr/bin/env python3
"""Parse the HTML report with a real HTML5 parser (html5lib, strict: any
parse error fails) and check its structure, accessibility and escaping.
usage: check_html.py RENDER_OUT"""
import re
import sys

import html5lib

from common import check, finish, read, render

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


render_out = sys.argv[1]
d = render(render_out)
html = read(d, "report.html")
root = check_page(html, "Q1", ["Children and Young People", "Mental Health and Learning Disability",
                               "Urgent and Community"])
if root is not None:
    body = text(root)
    # Hostile stored text is there, as text.
    for payload in ('<script>alert("pwned")</script>', "<img src=x onerror=alert(1)>",
                    "</style></table><script>alert(2)</script>", '=HYPERLINK("http://evil.example/"',
                    "Both services | have evolved"):
        check(payload in body, f"payload not shown as text: {payload}")
    # The seed's numbers, and the corrected MHLD headline.
    for s in ("56% of milestones are on track or complete and 53% of KPIs are on track",
              "61% of milestones are on track or complete and 38% of KPIs are on track",
              "There are 16 KPIs in total, of which 3 are red:",
              "↓ down 4 percentage points from 61% in Q4 2017/18",
              "ICP Delivery Team – 22/08/2018, ICP Place Board – 05/09/2018",
              "Quarter 1 2018/19, April–June 2018"):
        check(s in body, f"missing: {s}")
    sections = [s for s in root.iter("section") if "group" in s.get("class", "").split()]
    check(len(sections) == 3, f"{len(sections)} group sections")
    cyp = sections[0]
    tables = {text(t.find("caption")): t for t in cyp.iter("table")}
    t = tables.get("Milestones by priority and status")
    check(t is not None, "CYP priority table")
    if t is not None:
        rows = [[text(c).strip() for c in tr] for tr in t.iter("tr")]
        check(["No. of milestones", "25", "1", "0", "14", "5", "1", "4"] in rows, f"CYP totals row: {rows[-2:]}")
        check(["% against total", "", "4%", "0%", "56%", "20%", "4%", "16%"] in rows, f"CYP % row: {rows[-1:]}")

# A quarter nobody has reported on says so at the top.
d = render(render_out, "2018-19-Q2")
root = check_page(read(d, "report.html"), "Q2", ["Children and Young People"])
if root is not None:
    notes = [text(p) for p in root.iter("p") if p.get("class") == "notice"]
    check(notes and notes[0].startswith("No updates have been provided for Q2 2018/19 yet"),
          f"Q2 notice: {notes}")
    check(text(root).count("No update provided") >= 126, "Q2: every item says no update provided")
finish("check_html")
