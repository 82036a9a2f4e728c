"""Debian's chromium and poppler-utils as the render tests use them: print
a page (a file or a URL) to PDF, read each PDF page's text back with
pdftotext, and take PNGs of the page and of the PDF's first page.
Shared by check_pdf.py (the fixture) and check_served.py (the served
demo report)."""
import re
import shutil
import subprocess
import tempfile

CHROMIUM = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars"]


def browser():
    """The chromium binary, or None when chromium or poppler-utils is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None or shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        return None
    return found


def chromium(*args):
    profile = tempfile.mkdtemp(prefix="ragboard-chromium-")
    try:
        subprocess.run([browser(), *CHROMIUM, f"--user-data-dir={profile}", *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def print_pdf(target, pdf):
    """Print target (file:// or http:// URL) to pdf as a user would."""
    chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", target)


def screenshot(target, png):
    chromium(f"--screenshot={png}", "--window-size=1280,1600", target)


def pdf_pages(pdf):
    """(number of pages, (width, height) in points, [each page's text])."""
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M)
    texts = [subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), pdf, "-"],
                            capture_output=True, text=True, check=True).stdout
             for p in range(1, pages + 1)]
    return pages, (float(size.group(1)), float(size.group(2))), texts


def first_page_png(pdf, out_base):
    """out_base + ".png": the PDF's first page at 80 dpi."""
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf,
                    out_base], check=True)
