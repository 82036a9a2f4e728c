#!/usr/bin/env python3
"""The board report as ragboard serves it (GET /api/v1/reports/{quarter})
from the demo database, read with the tools its readers use.

usage: check_served.py MODE RAGBOARD [ARTEFACT_DIR]
  html  the page through html5lib (strict), its CSP header = its <meta>,
        the figures, a quarter nobody has reported on
  csv   Python's csv module: one header, every row as wide, the tables,
        the figures, formula cells neutralised, the attachment's name
  pdf   chromium prints the URL itself (negotiating text/html and
        obeying the page's CSP header), pdftotext reads the figures back;
        PNGs of the page and of the PDF's first page into ARTEFACT_DIR
        (demo-report-html.png, demo-report-pdf-page1.png: doc/'s screenshots)
  docx  the Markdown converted with pandoc -f gfm, read back with python-docx"""
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from common import check, finish
from served import Server

Q1 = "/api/v1/reports/2018-19-Q1"
GROUPS = ["Children and Young People", "Mental Health and Learning Disability",
          "Urgent and Community"]
HEADLINES = ["56% of milestones are on track or complete and 53% of KPIs are on track",
             "61% of milestones are on track or complete and 38% of KPIs are on track",
             "54% of milestones are on track or complete and 41% of KPIs are on track"]


def html_mode(srv):
    from html_checks import check_page, text

    status, headers, body = srv.get(Q1, accept="text/html,application/xhtml+xml,*/*;q=0.8")
    check(status == 200 and headers["Content-Type"] == "text/html; charset=utf-8",
          f"HTML: {status} {headers['Content-Type']}")
    page = body.decode("utf-8")
    root = check_page(page, "served Q1", GROUPS)
    if root is None:
        return
    metas = [m for m in root.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    check(metas and metas[0].get("content") == headers["Content-Security-Policy"],
          "the CSP header is the page's own policy")
    whole = text(root)
    for s in HEADLINES + ["There are 16 KPIs in total, of which 3 are red:",
                          "Rotherham Integrated Care Partnership",
                          "ICP Delivery Team – 22/08/2018, ICP Place Board – 05/09/2018",
                          "Quarter 1 2018/19, April–June 2018", "computed by ragboard",
                          "↓ down 4 percentage points from 61% in Q4 2017/18"]:
        check(s in whole, f"served HTML lacks: {s}")
    check(re.search(r"audit trail head: entry \d+, hash [0-9a-f]{64}", whole) is not None,
          "the provenance names the audit head")
    status, headers, body = srv.get("/api/v1/reports/2018-19-Q2?format=html")
    root = check_page(body.decode("utf-8"), "served Q2", GROUPS)
    if root is not None:
        notes = [text(p) for p in root.iter("p") if p.get("class") == "notice"]
        check(notes and notes[0].startswith("No updates have been provided for Q2 2018/19 yet"),
              f"Q2 notice: {notes}")
        check(text(root).count("No update provided") >= 126, "Q2: every item says so")


def csv_mode(srv):
    status, headers, raw = srv.get(Q1, accept="text/csv")
    check(status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8", "CSV type")
    check(headers["Content-Disposition"] == 'attachment; filename="ragboard-2018-19-Q1.csv"',
          f"attachment: {headers['Content-Disposition']}")
    check(raw.endswith(b"\r\n"), "CRLF records")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    header = rows[0]
    for i, r in enumerate(rows[1:], 2):
        check(len(r) == len(header), f"record {i} has {len(r)} fields, header {len(header)}")
    body = [dict(zip(header, r)) for r in rows[1:]]

    def find(**want):
        return [r for r in body if all(r[k] == v for k, v in want.items())]

    cyp = find(table="milestone_counts", group="CYP", label="No. of milestones")
    check(len(cyp) == 1 and [cyp[0][c] for c in ("total", "BR", "B", "G", "A", "R", "TBC")] ==
          ["25", "1", "0", "14", "5", "1", "4"], f"CYP counts {cyp}")
    check(len(find(table="milestones")) == 76 and len(find(table="kpis")) == 50, "detail rows")
    check([r["text"] for r in find(table="report", label="title")] ==
          ["Rotherham Integrated Care Partnership"], "the configured title")
    check(any("computed by ragboard" in r["text"] for r in find(table="report", label="method")),
          "the method row")
    for r in rows[1:]:
        for c in r:
            if c and c[0] in "=+-@\t\r":
                try:
                    float(c)
                except ValueError:
                    check(False, f"unneutralised cell {c[:40]!r}")


def pdf_mode(srv, artefacts):
    from browser import browser, first_page_png, pdf_pages, print_pdf, screenshot

    if browser() is None:
        print("chromium or poppler-utils is not installed: skipping (.ci/install-deps installs them)")
        sys.exit(77)
    os.makedirs(artefacts, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="ragboard-served-pdf-")
    pdf = os.path.join(tmp, "report.pdf")
    t0 = time.monotonic()
    print_pdf(srv.url(Q1), pdf)  # chromium asks for text/html itself
    took = time.monotonic() - t0
    pages, (w, h), texts = pdf_pages(pdf)
    # The page's style sets A4 landscape: it applies only if the CSP header
    # served with the page allows that very style.
    check(w > h and abs(w - 841.9) < 2, f"A4 landscape: {w} x {h}")
    flat = re.sub(r"\s+", " ", "\n".join(texts))
    for n, t in enumerate(texts, 1):
        check(f"Page {n} of {pages}" in t, f"page {n}: no 'Page {n} of {pages}'")
        check(re.search(r"Q1 2018/19 · Built \S+ · data version \d+ · audit entry \d+ [0-9a-f]{12}",
                        t) is not None, f"page {n}: no footer line")
    for s in HEADLINES + ["There are 16 KPIs in total, of which 3 are red:",
                          "ICP Delivery Team – 22/08/2018, ICP Place Board – 05/09/2018"]:
        check(s in flat, f"PDF text lacks: {s}")
    whole = "\n".join(texts)
    check(re.search(r"No\. of milestones\s+25\s+1\s+0\s+14\s+5\s+1\s+4", whole) is not None,
          "CYP totals row")
    check(re.search(r"% against total\s+0%\s+9%\s+52%\s+35%\s+0%\s+4%", whole) is not None,
          "MHLD % row")
    for heading in GROUPS + ["Data notes"]:
        tops = [n for n, t in enumerate(texts, 1) if t.strip().splitlines()[0].strip() == heading]
        check(len(tops) == 1, f"'{heading}' does not open a page (tops of {tops})")
    screenshot(srv.url(Q1), os.path.join(artefacts, "demo-report-html.png"))
    first_page_png(pdf, os.path.join(artefacts, "demo-report-pdf-page1"))
    shutil.copy(pdf, os.path.join(artefacts, "demo-report.pdf"))
    for png in ("demo-report-html.png", "demo-report-pdf-page1.png"):
        check(os.path.getsize(os.path.join(artefacts, png)) > 10000, f"{png} written")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"check_served pdf: {pages} pages, chromium {took:.1f} s; artefacts in {artefacts}")


def docx_mode(srv, artefacts):
    if shutil.which("pandoc") is None:
        print("pandoc is not installed: skipping (.ci/install-deps installs it)")
        sys.exit(77)
    import docx  # python3-docx

    status, headers, md = srv.get(Q1 + "?format=md")
    check(status == 200 and headers["Content-Type"] == "text/markdown; charset=utf-8", "md type")
    tmp = tempfile.mkdtemp(prefix="ragboard-served-docx-")
    src, out = os.path.join(tmp, "report.md"), os.path.join(tmp, "report.docx")
    with open(src, "wb") as f:
        f.write(md)
    subprocess.run(["pandoc", "-f", "gfm", "-t", "docx", "-o", out, src], check=True)
    os.makedirs(artefacts, exist_ok=True)
    shutil.copy(out, os.path.join(artefacts, "demo-report.docx"))
    delims = [l for l in md.decode("utf-8").splitlines() if re.match(r"^\|( -{3,}:? \|)+$", l)]
    document = docx.Document(out)
    check(len(document.tables) == len(delims),
          f"{len(document.tables)} tables in the docx, {len(delims)} in the Markdown")
    flat = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    check(["No. of milestones", "25", "1", "0", "14", "5", "1", "4"] in flat, "CYP totals row")
    check(["No. of KPIs", "16", "6", "3", "3", "4"] in flat, "MHLD KPI row")
    check(["% against total", "", "38%", "19%", "19%", "25%"] in flat, "MHLD KPI % row")
    paras = "\n".join(p.text for p in document.paragraphs)
    for s in HEADLINES + ["Quarter 1 2018/19, April–June 2018", "computed by ragboard"]:
        check(s in paras, f"docx lacks: {s}")
    shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    mode, ragboard = argv[1], argv[2]
    artefacts = argv[3] if len(argv) > 3 else tempfile.mkdtemp(prefix="ragboard-artefacts-")
    with Server(ragboard) as srv:
        {"html": lambda: html_mode(srv), "csv": lambda: csv_mode(srv),
         "pdf": lambda: pdf_mode(srv, artefacts), "docx": lambda: docx_mode(srv, artefacts)}[mode]()
    finish(f"check_served {mode}")


if __name__ == "__main__":
    main(sys.argv)
