#!/usr/bin/python3
"""Write a return with monthly values as Excel stores what a partner types.

usage: monthly_workbook.py OUT.xlsx

Typing "Jul 2018" or "2018-08" into a cell, Excel stores a date (the serial
number of its first day) with a date format; openpyxl writes the same: a
datetime with a number format. Rows: UC/KPI 4's quarter (no month), July
as a custom "mmm yyyy" format, August as the built-in "mmm-yy" (format 17),
September as a date typed in full (built-in "m/d/yyyy", format 14).
"""
import datetime
import sys

import openpyxl


def main(out):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["kind", "code", "status", "value", "month"])
    ws.append(["kpi", "UC/KPI 4", "G", 90, None])
    for month, fmt, value in ((7, "mmm yyyy", 89.5), (8, "mmm-yy", 91), (9, "m/d/yyyy", 92)):
        ws.append(["kpi", "UC/KPI 4", None, value, datetime.datetime(2018, month, 1)])
        ws.cell(ws.max_row, 5).number_format = fmt
    wb.save(out)


if __name__ == "__main__":
    main(sys.argv[1])
