#!/usr/bin/env python3
"""Check, with openpyxl (another program than the one that wrote it), what
a partner's spreadsheet program sees in a ragboard return template.

usage: check_template.py TEMPLATE.xlsx SHEET_NAME N_MILESTONES N_KPIS [PERCENT_CODES]

The template's rows are the milestones first, then the KPIs (what the test
writes); PERCENT_CODES, comma separated, are the KPIs measured in percent,
whose value cells show a percentage. Exits non-zero naming the first thing
that is wrong."""
import sys

import openpyxl

HEADER = ["kind", "code", "description", "target", "unit", "last quarter",
          "last comment", "status", "value", "value_text", "comment"]
FILL_IN = {"status", "value", "value_text", "comment"}


def fail(msg):
    sys.exit("check_template.py: " + msg)


def main():
    path, sheet, n_ms, n_kpi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    percent = set(sys.argv[5].split(",")) if len(sys.argv) > 5 and sys.argv[5] else set()
    wb = openpyxl.load_workbook(path)
    if wb.sheetnames != [sheet]:
        fail("sheets %r, want [%r]" % (wb.sheetnames, sheet))
    ws = wb[sheet]
    header = [ws.cell(3, c).value for c in range(1, len(HEADER) + 1)]
    if header != HEADER:
        fail("header row 3 is %r" % header)
    if ws.cell(4 + n_ms + n_kpi, 1).value is not None:
        fail("a row after the last item")
    if not str(ws.cell(1, 1).value).startswith("Quarterly return:"):
        fail("title row is %r" % ws.cell(1, 1).value)
    if ws.freeze_panes != "C4":
        fail("frozen at %r, want C4 (header rows and kind, code)" % ws.freeze_panes)
    p = ws.protection
    if not p.sheet or p.password:
        fail("sheet protection %r password %r: want protected, no password" % (p.sheet, p.password))
    if p.formatColumns or p.formatRows:
        fail("resizing columns and rows should stay allowed")
    # locked context columns, unlocked fill-in cells where they apply
    for r in range(4, 4 + n_ms + n_kpi):
        kpi = ws.cell(r, 1).value == "kpi"
        for c, name in enumerate(HEADER, start=1):
            want_unlocked = name in FILL_IN and (kpi or name in ("status", "comment"))
            if ws.cell(r, c).protection.locked == want_unlocked:
                fail("cell %s%d (%s, %s) locked=%r" % (chr(64 + c), r, name,
                     "kpi" if kpi else "milestone", ws.cell(r, c).protection.locked))
    # a percent KPI's value cell shows a percentage (% outside quotes), the
    # others' the number as typed
    for r in range(4 + n_ms, 4 + n_ms + n_kpi):
        code, fmt = ws.cell(r, 2).value, ws.cell(r, 9).number_format
        if code in percent and (fmt.count("%") != 1 or '"' in fmt or "\\" in fmt):
            fail("value cell I%d of %s has format %r, want a percentage" % (r, code, fmt))
        if code not in percent and fmt != "General":
            fail("value cell I%d of %s has format %r, want General" % (r, code, fmt))
    # drop-down lists and number checks
    lists, decimals = {}, []
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list":
            lists[str(dv.sqref)] = dv.formula1
        elif dv.type == "decimal":
            decimals.append((str(dv.sqref), float(dv.formula1), float(dv.formula2)))
        if not dv.showErrorMessage:
            fail("validation on %s does not stop a wrong entry" % dv.sqref)
    ms_range = "H4" if n_ms == 1 else "H4:H%d" % (3 + n_ms)
    k0, k1 = 4 + n_ms, 3 + n_ms + n_kpi
    kpi_range = "H%d" % k0 if n_kpi == 1 else "H%d:H%d" % (k0, k1)
    if lists.get(ms_range) != '"BR,B,G,A,R,TBC"':
        fail("milestone status list on %s is %r (lists: %r)" % (ms_range, lists.get(ms_range), lists))
    if lists.get(kpi_range) != '"G,A,R,TBC"':
        fail("KPI rating list on %s is %r (lists: %r)" % (kpi_range, lists.get(kpi_range), lists))
    # one number check per run of KPIs measured alike; a percent cell holds
    # the fraction, so its bounds are 100 times smaller
    want, first = [], k0
    for r in range(k0, k1 + 1):
        pct = ws.cell(r, 2).value in percent
        if r == k1 or (ws.cell(r + 1, 2).value in percent) != pct:
            bound = 1e13 if pct else 1e15
            want.append(("I%d" % r if r == first else "I%d:I%d" % (first, r), -bound, bound))
            first = r + 1
    if sorted(decimals) != sorted(want):
        fail("decimal validation %r, want %r" % (decimals, want))
    # widths: every column set, long text columns wider than short ones
    widths = {chr(64 + c): ws.column_dimensions[chr(64 + c)].width for c in range(1, 12)}
    if any(w is None or w < 6 for w in widths.values()):
        fail("column widths %r" % widths)
    if not widths["C"] > widths["A"] or not widths["K"] >= 50:
        fail("description/comment columns not wider: %r" % widths)
    print("check_template.py: %s ok (%d milestones, %d KPIs)" % (path, n_ms, n_kpi))


if __name__ == "__main__":
    main()
