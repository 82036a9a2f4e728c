#!/usr/bin/env python3
"""Parse the HTML report with a real HTML5 parser (html5lib, strict: any
parse error fails) and check its structure, accessibility and escaping.
usage: check_html.py RENDER_OUT"""
import re
import sys

from common import check, finish, read, render
from html_checks import all_, check_page, local, text  # noqa: F401

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
