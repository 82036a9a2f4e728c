#!/usr/bin/env python3
"""Write the spreadsheet files the `sheet` suite reads (tests/data/sheet/).
The committed files are this script's output; run it again only to change
them (python3-openpyxl for the XLSX files):

    /usr/bin/python3 tests/sheet/make_fixtures.py tests/data/sheet

The CSVs are byte for byte what Excel writes: "CSV UTF-8" in the UK (byte
order mark, CRLF, cells quoted only when they must be, a line break inside
a cell written as LF, percent and thousands formats written as shown, the
,,,,, rows of cells that were formatted but left empty); "CSV" in a
semicolon locale (the ANSI code page, Windows-1252, decimal commas); "CSV"
in the UK (Windows-1252, with its curly apostrophe 0x92); and "Unicode
Text" (UTF-16LE with a byte order mark, tab separated)."""
import datetime
import os
import sys

import openpyxl
from openpyxl.styles import Font

HEADER = ["kind", "code", "status", "value", "value_text", "comment"]


def crlf(rows):
    return "".join(row + "\r\n" for row in rows)


UK_UTF8 = crlf([
    ",".join(HEADER),
    "milestone, UC1.1 ,G,,,On track",
    'milestone,UC1.2,br,,,"Signed off.\nSee the minutes, item 4."',
    'kpi,UC/KPI 1,A,95.5%,,"Winter: ""escalated"""',
    'kpi,UC/KPI 2,G,"1,234",,',
    'kpi,UC/KPI 3,,"1,234,567.5",about 1.2m,Café £5',
    ",,,,,",
    ",,,,,",
])

SEMICOLON_1252 = crlf([
    ";".join(HEADER),
    "milestone;UC1.1;G;;;Livré en mai",
    "kpi;UC/KPI 1;A;95,5;;\"Hiver; pression\"",
    "kpi;UC/KPI 2;G;12;;",
    "kpi;UC/KPI 3;R;0,5;;",
    ";;;;;",
])

UK_1252 = crlf([
    ",".join(HEADER),
    "milestone,UC1.1,G,,,Partner\u2019s café re-opened",
    "kpi,UC/KPI 1,A,95.5,,",
])

UNICODE_TEXT = crlf([
    "\t".join(HEADER),
    "milestone\tUC1.1\tG\t\t\tDélivré \u2713",
    "kpi\tUC/KPI 1\tA\t95.5\t\t",
])


def openpyxl_return(path):
    """A return typed into a fresh workbook: no template, header in row 1."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Return Q1"
    ws.append(HEADER)
    ws.append(["milestone", "UC1.1", "G", None, None, "On track"])
    ws.append(["kpi", "UC/KPI 1", "A", 0.955, None, "percent cell"])
    ws["D3"].number_format = "0.0%"
    ws.append(["kpi", "UC/KPI 2", "G", 1234, None, None])
    ws.append(["kpi", "UC/KPI 3", "R", 95.49999999999999, "as Excel stores 95.5", True])
    ws.append([])
    ws.append(["kpi", "UC/KPI 4", None, 1e-05, None, "  spaced  "])
    ws["F8"].font = Font(bold=True)
    ws.cell(9, 8).value = None  # formatted, never filled
    ws.cell(9, 8).font = Font(italic=True)
    wb.properties.created = datetime.datetime(2018, 7, 1)
    wb.save(path)


def openpyxl_hidden_first(path):
    """Three sheets, the first hidden: the first visible one is read."""
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "Lookup"
    hidden["A1"] = "not the return"
    hidden.sheet_state = "hidden"
    ret = wb.create_sheet("Return")
    ret.append(HEADER)
    ret.append(["milestone", "UC1.1", "A", None, None, None])
    other = wb.create_sheet("Notes")
    other["A1"] = "also not the return"
    wb.properties.created = datetime.datetime(2018, 7, 1)
    wb.save(path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "data", "sheet")
    os.makedirs(out, exist_ok=True)
    files = {
        "uk_excel_utf8.csv": b"\xef\xbb\xbf" + UK_UTF8.encode("utf-8"),
        "semicolon_excel_1252.csv": SEMICOLON_1252.encode("cp1252"),
        "uk_excel_1252.csv": UK_1252.encode("cp1252"),
        "unicode_text.txt": b"\xff\xfe" + UNICODE_TEXT.encode("utf-16-le"),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    openpyxl_return(os.path.join(out, "openpyxl_return.xlsx"))
    openpyxl_hidden_first(os.path.join(out, "openpyxl_hidden_first.xlsx"))
    print("make_fixtures.py: wrote %d files to %s" % (len(files) + 2, out))


if __name__ == "__main__":
    main()
