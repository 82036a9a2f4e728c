#!/usr/bin/python3
"""Fill a downloaded return template in as a partner would, with openpyxl.

usage: fill_template.py IN.xlsx OUT.xlsx FILL.json

FILL.json maps an item's code to the cells to fill:
  {"UC1.1": {"status": "A", "comment": "..."},
   "UC/KPI 4": {"status": "G", "value": 0.955},
   "UC/KPI 6": {"value": 88.25, "percent": true},
   "UC/KPI 1": {"value": 1234, "value_text": "1,234 people"}}
"value" is the number the cell stores, the template's format kept (a
percent KPI's value cell is a percentage: 0.955 there is what a spreadsheet
stores when 95.5 or 95.5% is typed, shown as 95.5%); "value" with
"percent": true is typed the way Excel stores "95.5%" typed into a cell
given its own format: the number 0.955 with the format 0.0%. The header row is
found by its "kind" and "code" cells (the template puts a title and
instructions above it); the other cells are left as the template made them,
the sheet protection included.
"""
import json
import sys

import openpyxl


def main(src, dst, fill_path):
    with open(fill_path, encoding="utf-8") as f:
        fill = json.load(f)
    wb = openpyxl.load_workbook(src)
    ws = wb.active
    header, cols = None, {}
    for row in ws.iter_rows(min_row=1, max_row=20):
        names = [c.value for c in row]
        if "kind" in names and "code" in names:
            header = row[0].row
            cols = {name: i + 1 for i, name in enumerate(names) if name}
            break
    if header is None:
        sys.exit("no header row in " + src)
    done = set()
    for r in range(header + 1, ws.max_row + 1):
        code = ws.cell(r, cols["code"]).value
        if code not in fill:
            continue
        cells = fill[code]
        for name in ("status", "value_text", "comment"):
            if name in cells:
                ws.cell(r, cols[name]).value = cells[name]
        if "value" in cells:
            cell = ws.cell(r, cols["value"])
            if cells.get("percent"):
                cell.value = cells["value"] / 100
                cell.number_format = "0.0%"
            else:
                cell.value = cells["value"]
        done.add(code)
    missing = set(fill) - done
    if missing:
        sys.exit("not in the template: " + ", ".join(sorted(missing)))
    wb.save(dst)


if __name__ == "__main__":
    main(*sys.argv[1:4])
