#!/usr/bin/env python3
"""Parse the CSV report with Python's csv module: one header, every row as
wide as it, the tables the documentation lists, the seed's figures, and
formula cells neutralised.  usage: check_csv.py RENDER_OUT"""
import csv
import io
import sys

from common import check, finish, read, render

TABLES = {"report", "groups", "chairs", "priorities", "milestone_counts", "kpi_counts", "headlines",
          "comparison", "exceptions", "milestones", "milestone_statuses", "kpis", "kpi_values",
          "data_notes"}

render_out = sys.argv[1]
d = render(render_out)
raw = read(d, "report.csv", "rb")
check(raw.decode("utf-8") is not None, "UTF-8")
check(raw.endswith(b"\r\n") and b"\r\n" in raw, "CRLF records")
rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
header = rows[0]
check(header[0] == "table" and len(set(header)) == len(header), f"header {header}")
body = [dict(zip(header, r)) for r in rows[1:]]
for i, r in enumerate(rows[1:], 2):
    check(len(r) == len(header), f"record {i} has {len(r)} fields, header {len(header)}")
check({r["table"] for r in body} == TABLES, f"tables {sorted({r['table'] for r in body})}")


def find(**want):
    return [r for r in body if all(r[k] == v for k, v in want.items())]


cyp = find(table="milestone_counts", group="CYP", label="No. of milestones")
check(len(cyp) == 1 and [cyp[0][c] for c in ("total", "BR", "B", "G", "A", "R", "TBC")] ==
      ["25", "1", "0", "14", "5", "1", "4"], f"CYP counts {cyp}")
pct = find(table="kpi_counts", group="MHLD", measure="percent")
check(len(pct) == 1 and [pct[0][c] for c in ("G", "A", "R", "TBC")] == ["38", "19", "19", "25"],
      f"MHLD KPI percent {pct}")
check(len(find(table="milestones")) == 76 and len(find(table="kpis")) == 50, "detail rows")
check(len(find(table="milestone_statuses")) == 76 * 2, "a status per milestone and column")
ex = find(table="exceptions", group="MHLD", type="kpi")
check([r["code"] for r in ex] == ["MH/KPI 2", "MH/KPI 6", "MH/KPI 7"], f"MHLD red KPIs {ex}")
# Formula injection: no cell starts with = + - @ tab or CR unless it is a number.
for r in rows[1:]:
    for c in r:
        if c and c[0] in "=+-@\t\r":
            try:
                float(c)
            except ValueError:
                check(False, f"unneutralised cell {c[:40]!r}")
ch13 = find(table="milestones", code="CH1.3")
check(ch13 and ch13[0]["description"].startswith("'=HYPERLINK("), f"CH1.3 {ch13}")
ch12 = find(table="milestones", code="CH1.2")
check(ch12 and "\n" in ch12[0]["comment"] and "| a | fake | row |" in ch12[0]["comment"],
      "a comment keeps its line breaks and pipes inside its quoted cell")
finish("check_csv")
