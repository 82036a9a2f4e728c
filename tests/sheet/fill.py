#!/usr/bin/env python3
"""Fill a ragboard return template the way a partner does in a spreadsheet
program, with openpyxl (python3-openpyxl), and save it.

usage: fill.py TEMPLATE.xlsx OUT.xlsx

The template's rows are found by their header names, not by position. For
each item (by code, see FILL) it writes the status, the value, value_text
and comment; a percent KPI's value is stored as a spreadsheet stores 95.5
typed into the template's percent cell: the number 0.955, the cell's
format kept."""
import sys

import openpyxl

# code -> (status, value, number_format or None, value_text, comment); no
# number_format keeps the template's: 0.955 in a percent KPI's value cell is
# what a spreadsheet stores when 95.5 or 95.5% is typed into it.
FILL = {
    "UC1.1": ("g", None, None, None, "  Delivered;\nsign-off in May, café opened  "),
    "UC1.2": ("BR", None, None, None, None),
    "UC/KPI 1": ("A", 0.955, None, None, "Winter pressures"),
    "UC/KPI 2": ("TBC", 1234, None, "provisional", None),
    "UC/KPI 3": (None, 0.1 + 0.2, None, None, None),
}


def main():
    src, dst = sys.argv[1], sys.argv[2]
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    header_row, cols = None, {}
    for row in ws.iter_rows(min_row=1, max_row=20):
        names = [str(c.value).strip().lower() if c.value is not None else "" for c in row]
        if "kind" in names and "code" in names:
            header_row = row[0].row
            cols = {n: i + 1 for i, n in enumerate(names) if n}
            break
    if header_row is None:
        sys.exit("fill.py: no header row in " + src)
    filled = 0
    for r in range(header_row + 1, ws.max_row + 1):
        code = ws.cell(r, cols["code"]).value
        if code not in FILL:
            continue
        status, value, fmt, value_text, comment = FILL[code]
        if status is not None:
            ws.cell(r, cols["status"]).value = status
        if value is not None:
            cell = ws.cell(r, cols["value"])
            cell.value = value
            if fmt:
                cell.number_format = fmt
        if value_text is not None:
            ws.cell(r, cols["value_text"]).value = value_text
        if comment is not None:
            ws.cell(r, cols["comment"]).value = comment
        filled += 1
    wb.save(dst)
    print("fill.py: filled %d rows of %s" % (filled, src))


if __name__ == "__main__":
    main()
