#!/usr/bin/env python3
"""Print the HTML report to PDF with Debian's chromium, as a user would,
and read it back with pdftotext (poppler-utils): the figures are there,
every page carries the footer (quarter, provenance, page N of M), each
group starts a new page, and stored markup prints as text. Saves a PNG of
the HTML's first screen and of the PDF's first page as artefacts.
usage: check_pdf.py RENDER_OUT ARTEFACT_DIR"""
import os
import re
import shutil
import subprocess
import sys
import time

from browser import browser, chromium
from common import check, finish, render

if browser() is None:
    print("chromium or poppler-utils is not installed: skipping (.ci/install-deps installs them)")
    sys.exit(77)

render_out, artefacts = sys.argv[1], sys.argv[2]
os.makedirs(artefacts, exist_ok=True)
d = render(render_out)
html = os.path.join(d, "report.html")
pdf = os.path.join(d, "report.pdf")


t0 = time.monotonic()
chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", "file://" + html)
t_pdf = time.monotonic() - t0
check(os.path.getsize(pdf) > 10000, "a PDF was written")
info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M)
check(float(size.group(1)) > float(size.group(2)) and abs(float(size.group(1)) - 841.9) < 2,
      f"A4 landscape: {size.group(0)}")
texts = [subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), pdf, "-"],
                        capture_output=True, text=True, check=True).stdout for p in range(1, pages + 1)]
whole = "\n".join(texts)
flat = re.sub(r"\s+", " ", whole)
for n, t in enumerate(texts, 1):
    check(f"Page {n} of {pages}" in t, f"page {n}: no 'Page {n} of {pages}'")
    check("Q1 2018/19 · Built 2018-09-01T09:30:00.000Z · data version 42 · audit entry 212 5d41402abc4b"
          in t, f"page {n}: no footer line")
# Each group (and the data notes) starts at the top of a page.
for heading in ("Children and Young People", "Mental Health and Learning Disability",
                "Urgent and Community", "Data notes"):
    tops = [n for n, t in enumerate(texts, 1) if t.strip().splitlines()[0].strip() == heading]
    check(len(tops) == 1, f"'{heading}' does not open a page (found at tops of {tops})")
for s in ("56% of milestones are on track or complete and 53% of KPIs are on track",
          "61% of milestones are on track or complete and 38% of KPIs are on track",
          "There are 16 KPIs in total, of which 3 are red:",
          "ICP Delivery Team – 22/08/2018, ICP Place Board – 05/09/2018",
          '<script>alert("pwned")</script>', "<img src=x onerror=alert(1)>"):
    check(s in flat, f"PDF text lacks: {s}")
# The CYP table's totals and percentages, as printed in the seed.
check(re.search(r"No\. of milestones\s+25\s+1\s+0\s+14\s+5\s+1\s+4", whole) is not None, "CYP totals row")
check(re.search(r"% against total\s+4%\s+0%\s+56%\s+20%\s+4%\s+16%", whole) is not None, "CYP % row")

# Artefacts: the HTML's first screen, and the PDF's first page.
t0 = time.monotonic()
chromium(f"--screenshot={os.path.join(artefacts, 'report-html.png')}", "--window-size=1280,1600",
         "file://" + html)
t_shot = time.monotonic() - t0
subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf,
                os.path.join(artefacts, "report-pdf-page1")], check=True)
shutil.copy(pdf, os.path.join(artefacts, "report.pdf"))
shutil.copy(html, os.path.join(artefacts, "report.html"))
for png in ("report-html.png", "report-pdf-page1.png"):
    check(os.path.getsize(os.path.join(artefacts, png)) > 10000, f"{png} written")
print(f"check_pdf: {pages} pages; chromium print {t_pdf:.1f} s, screenshot {t_shot:.1f} s; "
      f"artefacts in {artefacts}")
finish("check_pdf")
