#!/usr/bin/env python3
"""Convert the Markdown report to Word with Debian's pandoc, as a board
paper's author would (pandoc -f gfm -o report.docx), and check with
python-docx that every table survived with its figures, and that hostile
stored text stayed text inside its own cell.
usage: check_docx.py RENDER_OUT ARTEFACT_DIR"""
import os
import re
import shutil
import subprocess
import sys
import time

from common import check, finish, read, render

if shutil.which("pandoc") is None:
    print("pandoc is not installed: skipping (.ci/install-deps installs it)")
    sys.exit(77)
import docx  # python3-docx

render_out, artefacts = sys.argv[1], sys.argv[2]
os.makedirs(artefacts, exist_ok=True)
d = render(render_out)
md = os.path.join(d, "report.md")
out = os.path.join(d, "report.docx")
t0 = time.monotonic()
subprocess.run(["pandoc", "-f", "gfm", "-t", "docx", "-o", out, md], check=True)
elapsed = time.monotonic() - t0
shutil.copy(out, os.path.join(artefacts, "report.docx"))

# As many tables in the Word file as pipe tables in the Markdown.
delims = [l for l in read(d, "report.md").splitlines() if re.match(r"^\|( -{3,}:? \|)+$", l)]
document = docx.Document(out)
tables = document.tables
check(len(tables) == len(delims), f"{len(tables)} tables in the docx, {len(delims)} in the Markdown")


def rows(t):
    return [[c.text for c in r.cells] for r in t.rows]


all_rows = [rows(t) for t in tables]
for i, t in enumerate(all_rows):
    widths = {len(r) for r in t}
    check(len(widths) == 1, f"table {i}: rows of {sorted(widths)} cells")
flat = [r for t in all_rows for r in t]
check(["No. of milestones", "25", "1", "0", "14", "5", "1", "4"] in flat, "CYP totals row")
check(["% against total", "", "4%", "0%", "56%", "20%", "4%", "16%"] in flat, "CYP % row")
check(["No. of KPIs", "16", "6", "3", "3", "4"] in flat, "MHLD KPI row")
ch12 = [r for r in flat if r and r[0] == "CH1.2"]
check(len(ch12) == 1 and ch12[0][-1].startswith("Both services | have evolved over the recent period # not a heading | a | fake | row | **bold** _it_ [link](http://evil.example/) `code` ~~x~~ <b>raw</b> \\ end"),
      f"CH1.2's comment in one cell, as text: {ch12}")
ch11 = [r for r in flat if r and r[0] == "CH1.1"]
check(ch11 and '<script>alert("pwned")</script> & <img src=x onerror=alert(1)>' in ch11[0][-1],
      "CH1.1's markup as text")
paras = "\n".join(p.text for p in document.paragraphs)
check("61% of milestones are on track or complete and 38% of KPIs are on track" in paras, "MHLD headline")
check("Quarter 1 2018/19, April–June 2018" in paras, "quarter in words")
print(f"check_docx: {len(tables)} tables; pandoc {elapsed:.1f} s")
finish("check_docx")
