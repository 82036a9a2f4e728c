#!/usr/bin/env python3
"""The served board report against the printed one it replaces.

usage: check_seed.py RAGBOARD

The demo database holds the partnership's Quarter 1 2018/19 report as data
(data/rotherham-icp-2018-19.json). tests/data/...extraction.json holds what
that report printed (published_summary: its summary tables and headlines),
the same tables recomputed from the report's own item rows
(item_level_q1_counts) and notes on every figure it got wrong. For every
group, every printed figure (milestones per priority and status, the
totals and percentages of milestones and KPIs, the headline percentages)
is compared with what ragboard serves, in the JSON model, the CSV and the
HTML tables:

- where the printed figure is right (printed = recomputed), ragboard's
  equals it;
- where ragboard's differs from the printed one, the extraction documents
  the printed one as a mistake (printed != recomputed, with a note), and
  ragboard's is the recomputed figure; the corrections are listed, and
  must be exactly the known three kinds: CYP priority 2 printed "Still to
  be agreed" (N/A) for a priority with no milestones, MHLD's KPIs "TBC"
  printed 24% for 4 of 16 (25%), MHLD's headline printed 52% of milestones
  on track or complete, which counted green only (14 of 23 are G or B:
  61%).

And the report says which figures it computed (cover.method, in every
format)."""
import csv
import html
import io
import json
import os
import re
import sys

from common import ROOT, check, finish
from served import Server

EXTRACTION = os.path.join(ROOT, "tests", "data", "icp-performance-2018-19-q1.extraction.json")
Q1 = "/api/v1/reports/2018-19-Q1"
MCODES = [("BR", "BR"), ("Blue", "B"), ("Green", "G"), ("Amber", "A"), ("Red", "R"), ("TBC", "TBC")]
KCODES = [("Green", "G"), ("Amber", "A"), ("Red", "R"), ("TBC", "TBC")]  # the KPI table's codes
# The headline checks' rules, and the model's figure for each.
RULES = {("(Green + Blue) / total", "milestones"): ("milestones", "on_track_or_complete_percent_whole"),
         ("Green / total", "KPIs"): ("kpis", "on_track_percent_whole"),
         ("Red / total", "milestones"): ("milestones", "red_percent_whole"),
         ("Red / total", "KPIs"): ("kpis", "red_percent_whole")}
KNOWN = {("CYP", "milestones", "priority 2"), ("MHLD", "kpis", "percent TBC"),
         ("MHLD", "headline", "milestones on_track_or_complete_percent_whole")}


def printed_cells(summary, headline_checks, use):
    """{key: figure} of one group, from the extraction's tables. use:
    'published' (what was printed) or 'computed' (recomputed from items)."""
    cells = {}
    for row in summary["milestones"]["by_priority"]:
        for ext, code in [("total", "total")] + MCODES:
            cells[("milestones", f"priority {row['priority']}", code)] = row.get(ext)
    for ext, code in [("total", "total")] + MCODES:
        cells[("milestones", "count", code)] = summary["milestones"]["total"][ext]
    for ext, code in MCODES:
        cells[("milestones", "percent", code)] = summary["milestones"]["percent"][ext]
    for ext, code in [("total", "total")] + KCODES:
        cells[("kpis", "count", code)] = summary["kpis"]["total"][ext]
    for ext, code in KCODES:
        cells[("kpis", "percent", code)] = summary["kpis"]["percent"][ext]
    for h in headline_checks:
        kind, figure = RULES[(h["rule"], "KPIs" if "KPIs" in h["headline"] else "milestones")]
        cells[("headline", kind, figure)] = h["published_percent" if use == "published"
                                              else "computed_percent"]
    return cells


def served_cells(group):
    """The same keys from a group of the served model."""
    s = group["summary"]
    cells = {}
    for row in s["milestones"]["by_priority"]:
        cells[("milestones", f"priority {row['priority']}", "total")] = row["total"]
        for _, code in MCODES:
            cells[("milestones", f"priority {row['priority']}", code)] = row["counts"][code]
    for kind, codes in (("milestones", MCODES), ("kpis", KCODES)):
        cells[(kind, "count", "total")] = s[kind]["total"]
        for _, code in codes:
            cells[(kind, "count", code)] = s[kind]["counts"][code]
            cells[(kind, "percent", code)] = s[kind]["percent_whole"][code]
    for (_, _), (kind, figure) in RULES.items():
        cells[("headline", kind, figure)] = s[kind][figure]
    return cells


def short(key):
    """A documented difference's name, as KNOWN spells it."""
    if key[0] == "headline":
        return ("headline", f"{key[1]} {key[2]}")
    if key[1].startswith("priority"):
        return (key[0], key[1])
    return (key[0], f"{key[1]} {key[2]}")


def csv_cells(rows, code):
    """The figures of group `code` in the served CSV's count tables."""
    cells = {}
    for r in rows:
        if r["group"] != code or r["table"] not in ("milestone_counts", "kpi_counts"):
            continue
        kind = "milestones" if r["table"] == "milestone_counts" else "kpis"
        codes = MCODES if kind == "milestones" else KCODES
        where = (f"priority {r['priority']}" if r["priority"] else
                 "percent" if r["measure"] == "percent" else "count")
        if where != "percent":
            cells[(kind, where, "total")] = int(r["total"])
        for _, c in codes:
            cells[(kind, where, c)] = int(r[c]) if r[c] != "" else None
    return cells


def html_rows(page):
    """{group name: [[cell texts] of its 'Milestones by priority and status' table]}."""
    import html5lib

    from html_checks import text

    root = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    out = {}
    for sec in root.iter("section"):
        if "group" not in sec.get("class", "").split():
            continue
        name = text(sec.find("h2")).strip()
        for t in sec.iter("table"):
            if text(t.find("caption")).strip() == "Milestones by priority and status":
                out[name] = [[text(c).strip() for c in tr] for tr in t.iter("tr")]
    return out


def main(argv):
    with open(EXTRACTION, encoding="utf-8") as f:
        extraction = json.load(f)
    with Server(argv[1]) as srv:
        status, _, body = srv.get(Q1 + "?format=json")
        check(status == 200, f"JSON report: {status}")
        model = json.loads(body)
        _, _, raw = srv.get(Q1 + "?format=csv")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
        _, _, page = srv.get(Q1 + "?format=html")
        page = page.decode("utf-8")
        _, _, md = srv.get(Q1 + "?format=md")
        md = md.decode("utf-8")
    groups = {g["code"]: g for g in model["groups"]}
    tables = html_rows(page)
    corrections = set()
    for ext in extraction["groups"]:
        code, item_level = ext["code"], ext["item_level_q1_counts"]
        check(code in groups, f"{code}: not in the served report")
        if code not in groups:
            continue
        checks = item_level["headline_checks"]
        printed = printed_cells(ext["published_summary"], checks, "published")
        computed = printed_cells(item_level, checks, "computed")
        served = served_cells(groups[code])
        notes = " ".join(item_level["differences_from_published"] +
                         [h.get("note", "") for h in checks if not h["matches"]])
        for key, was in printed.items():
            got, right = served.get(key), computed.get(key)
            check(got == right, f"{code} {key}: served {got}, recomputed from the items {right}")
            if got == was:
                continue
            # A difference from the printed report: documented, or a failure.
            documented = was != right and (key[0] == "headline" or key[2] in notes or
                                           key[1].replace("p", "P", 1) in notes or key[1] in notes)
            check(documented, f"{code} {key}: served {got}, printed {was}, and the extraction "
                              f"documents no mistake there")
            corrections.add((code,) + short(key))
            print(f"corrects {code} {' '.join(map(str, key))}: printed {was}, computed {got}")
        # The CSV and the HTML print what the model holds.
        for key, value in csv_cells(rows, code).items():
            check(served.get(key) == value, f"{code} CSV {key}: {value}, model {served.get(key)}")
        table = tables.get(groups[code]["name"], [])
        for row in groups[code]["summary"]["milestones"]["by_priority"]:
            cells = [str(row["total"])] + ([str(row["counts"][c]) for _, c in MCODES]
                                           if row["total"] else ["No milestones"])
            check(any(r[1:] == cells for r in table), f"{code} HTML priority {row['priority']}: "
                                                      f"no row {cells}")
        total = groups[code]["summary"]["milestones"]
        check(["No. of milestones", str(total["total"])] + [str(total["counts"][c]) for _, c in MCODES]
              in table, f"{code} HTML totals row")
        check(["% against total", ""] + [f"{total['percent_whole'][c]}%" for _, c in MCODES] in table,
              f"{code} HTML percent row")
        for h in groups[code]["summary"]["headlines"]:
            check(h in re.sub(r"\s+", " ", html.unescape(page)), f"{code} HTML headline {h}")
    check(corrections == KNOWN, f"corrections {sorted(corrections)}, expected {sorted(KNOWN)}")
    # The report says which figures it computed, in every format.
    method = model["cover"]["method"]
    check("computed by ragboard" in method and "G or B" in method, f"method: {method}")
    check(method in re.sub(r"\s+", " ", html.unescape(page)), "HTML states the method")
    check(any(r["table"] == "report" and r["label"] == "method" and r["text"] == method
              for r in rows), "CSV states the method")
    check("computed by ragboard" in md, "Markdown states the method")
    finish("check_seed")


if __name__ == "__main__":
    main(sys.argv)
