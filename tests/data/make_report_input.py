#!/usr/bin/env python3
"""Write tests/data/report-input-2018-19-q1.json: the board report's input
for Q1 2018/19, made from the demo dataset (data/rotherham-icp-2018-19.json)
with hostile text put into a few comments and descriptions, a chart on one
KPI, directions of travel on one group's KPIs, and comparison figures. The
comparison figures for the previous quarter are the Q4 2017/18 positions in
the dataset; the same-quarter-last-year figures of MHLD are invented so that
every kind of comparison (up, down, no change, no figure) is rendered.
Run it again only to remake the fixture: python3 make_report_input.py"""
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
d = json.load(open(os.path.join(root, "data", "rotherham-icp-2018-19.json")))

for i, m in enumerate(d["milestones"], 1):
    m["id"] = i
for i, k in enumerate(d["kpis"], 1):
    k["id"] = i


def item(kind, code):
    return next(x for x in d[kind] if x["code"] == code)


def entry(it, key, quarter):
    return next(e for e in it[key] if e["quarter"] == quarter)


# Hostile stored text: markup, formula injection, Markdown and table syntax.
entry(item("milestones", "CH1.1"), "updates", "2018-19-Q1")["comment"] = (
    'Commenced in April2018. <script>alert("pwned")</script> & '
    '<img src=x onerror=alert(1)> still anticipating a Q4 completion.')
item("milestones", "CH1.3")["description"] = (
    '=HYPERLINK("http://evil.example/","Improved CAMHS Crisis service") out of hours.')
entry(item("milestones", "CH1.2"), "updates", "2018-19-Q1")["comment"] = (
    "Both services | have evolved\nover the recent period\r\n# not a heading\n"
    "| a | fake | row |\n**bold** _it_ [link](http://evil.example/) `code` ~~x~~ <b>raw</b> \\ end")
entry(item("kpis", "MH/KPI 6"), "readings", "2018-19-Q1")["comment"] = (
    "-2 below plan; +3 next month; @mention\tand a tab. Service not provided 24/7. "
    "</style></table><script>alert(2)</script>")

# A chart (as the trends work will provide: an SVG string) with a script
# inside it, which must never run or appear as a script in the HTML.
item("kpis", "MH/KPI 1")["chart"] = {
    "svg": ('<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80" viewBox="0 0 240 80" '
            'role="img"><title>MH/KPI 1 over time</title><desc>One point: 78.3% in Q1 2018/19, '
            'above the 75% target.</desc><script>alert(3)</script>'
            '<line x1="10" y1="30" x2="230" y2="30" stroke="#444" stroke-dasharray="4"/>'
            '<circle cx="120" cy="22" r="5" fill="#A6A6A6"/></svg>'),
    "description": "One point: 78.3% in Q1 2018/19, above the 75% target of 75%.",
}

# Directions of travel on MHLD's KPIs (the trends work will add them to
# every reading); the other groups' stay absent, so theirs are null.
travel = ["improving", "same", "worsening", None]
for n, k in enumerate(x for x in d["kpis"] if x["group"] == "MHLD"):
    for r in k["readings"]:
        if r["quarter"] == "2018-19-Q1":
            r["direction_of_travel"] = travel[n % 4]


def on_track(group, quarter):
    ms = [m for m in d["milestones"] if group is None or m["group"] == group]
    good = sum(1 for m in ms for u in m["updates"]
               if u["quarter"] == quarter and u["status"] in ("G", "B"))
    return {"count": good, "total": len(ms)}


groups_comparison = {
    g["code"]: {"previous_quarter": {"quarter": "2017-18-Q4",
                                     "milestones": on_track(g["code"], "2017-18-Q4"), "kpis": None},
                "same_quarter_last_year": None}
    for g in d["groups"]
}
groups_comparison["MHLD"]["same_quarter_last_year"] = {
    "quarter": "2017-18-Q1", "milestones": {"count": 14, "total": 23}, "kpis": {"count": 4, "total": 16}}
for g in d["groups"]:
    g["comparison"] = groups_comparison[g["code"]]

out = {
    "_about": __doc__.strip(),
    "quarter": "2018-19-Q1",
    "title": "Rotherham Integrated Care Partnership",
    "bodies": {"delivery_team": "ICP Delivery Team", "place_board": "ICP Place Board"},
    "quarters": d["quarters"],
    "options": {"group": None, "detail": True},
    "comparison": {"previous_quarter": {"quarter": "2017-18-Q4",
                                        "milestones": on_track(None, "2017-18-Q4"), "kpis": None},
                   "same_quarter_last_year": None},
    "provenance": {"built_at": "2018-09-01T09:30:00.000Z", "data_version": "42",
                   "audit_head": {"id": 212, "hash": "5d41402abc4b2a76b9719d911017c592"
                                                     "5d41402abc4b2a76b9719d911017c592"},
                   "ragboard_version": "0.1.0"},
    "groups": d["groups"],
    "priorities": d["priorities"],
    "milestones": d["milestones"],
    "kpis": d["kpis"],
}
with open(os.path.join(here, "report-input-2018-19-q1.json"), "w") as f:
    json.dump(out, f, indent=1, ensure_ascii=False)
    f.write("\n")
