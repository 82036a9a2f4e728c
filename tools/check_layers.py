#!/usr/bin/env python3
"""The layer rules of GUIDE.md and doc/architecture.md, checked on the source.

Reads every src/*.c, src/*.h and include/*.h: their #include lines, their
file-scope declarations and the functions they call (comments and string
literals removed first), and fails (exit 1, one line per violation) when:

  - a file outside src/http*.c includes <microhttpd.h>, directly or through
    a project header;
  - a handler (src/api_*.c) includes <sqlite3.h> (directly or through a
    project header) or <microhttpd.h>, includes the store's private header,
    or calls SQLite itself (sqlite3_*);
  - a file outside the store family includes the store's private headers;
  - a pure module includes <sqlite3.h> or <microhttpd.h> (directly or through
    a project header) or a layered header, calls the clock, the environment
    or opens files (time, clock_gettime, gettimeofday, localtime, getenv,
    fopen, open, ...), or has a mutable file-scope variable (a global, or a
    static that is not const all the way down: `static const char *x[]` is an
    array of pointers that can be reassigned);
  - the command line or the importer includes a handler header (api_*.h):
    they call the domain and the store, as the handlers do;
  - a file includes a header of a higher layer (see LAYERS: nothing calls
    upward);
  - there is an include cycle: header to header, or between source files (A
    includes B's header while B includes A's, where X.h belongs to X.c), or a
    call cycle between source files through the headers they include (A
    calls a function B defines and B calls one A defines).

usage: check_layers.py [SOURCE_ROOT]   (default: this file's ../)
Exceptions are listed in EXCEPTIONS below, each with the reason it stands.
"""

import os
import re
import sys
from collections import defaultdict

# Layers, top to bottom (a file may include headers of its own layer or of a
# lower one, never of a higher one). Each entry: name, rank, patterns for the
# file stem (src/X.c, src/X.h or include/X.h).
LAYERS = [
    # The command line and the composition root (app.c makes the pool, the
    # writer, the cache): they may use anything.
    ("cli", 0, [r"main", r"cli(_.*)?", r"app"]),
    ("http", 1, [r"http(_.*)?"]),
    ("router", 2, [r"router(_.*)?"]),
    # The write path: the router hands it jobs, it runs them over the store.
    ("writer", 3, [r"writer(_.*)?"]),
    ("api", 4, [r"api_.*"]),
    # The importer is a front end beside the handlers (POST /api/v1/import
    # and `ragboard import` both call it), over the domain and the store.
    ("import", 5, [r"import(_.*)?"]),
    # Domain rules; auth.c (token create, authenticate) is one of them.
    ("domain", 6, [r"domain(_.*)?", r"auth"]),
    ("store", 7, [r"store(_.*)?"]),
    # Under the store: opening and migrating the database file, the audit
    # key file, online backup.
    ("db", 8, [r"db", r"audit_key", r"backup"]),
]

# Modules any layer may include: shared services with no layer of their own
# (util: logging, clock helpers; error: the error table; metrics; request:
# request ids; cache: the response cache), the application struct and its
# options (app.h declares the struct every layer is handed as its closure;
# app_config.c its option table), and the pure modules below.
SHARED = [r"util", r"error", r"metrics", r"request", r"cache", r"app_config"]
SHARED_HEADERS = {"app.h"}

# Pure modules: no I/O, no clock, no environment, no mutable globals. GUIDE.md
# ("Pure modules") and README's Layout table list them.
PURE = [
    r"rag",
    r"summary",
    r"quarter",
    r"csv",
    r"jsonv",
    r"problem",
    r"writeq",
    r"textbuf",
    r"spc",
    r"spc_json",
    r"trend",
    r"period",
    r"series",
    r"chart_.*",
    r"report_words",
    r"report_model.*",
    r"render(_.*)?",
    r"sheet(_.*)?",
    r"template(_.*)?",
]

IMPURE_CALLS = [
    "time",
    "clock_gettime",
    "gettimeofday",
    "localtime",
    "localtime_r",
    "getenv",
    "secure_getenv",
    "fopen",
    "freopen",
    "fdopen",
    "open",
    "openat",
    "creat",
    "mkstemp",
    "mkdtemp",
    "tmpfile",
    "rand",
    "srand",
]

STORE_PRIVATE = {"store_int.h", "store_audit_state_int.h"}

# Justified exceptions: (rule, file or "", detail substring) -> why it stands.
# An exception that no longer matches anything fails the check, so the list
# cannot outlive its reasons.
EXCEPTIONS = {
    # libxlsxwriter 1.1.4 (Debian 12) writes a workbook only to a named file
    # (its output_buffer option came in 1.1.5): template_xlsx() makes a 0700
    # directory under the caller's tmpdir or $TMPDIR, lets the library write
    # there, reads the bytes back and removes both, so its callers get a
    # buffer and it keeps no state, clock or other I/O.
    ("pure-call", "src/template_xlsx.c", "getenv"): "libxlsxwriter 1.1.4 writes only to a file",
    ("pure-call", "src/template_xlsx.c", "mkdtemp"): "libxlsxwriter 1.1.4 writes only to a file",
    ("pure-call", "src/template_xlsx.c", "open"): "libxlsxwriter 1.1.4 writes only to a file",
}

C_KEYWORDS = {
    "if",
    "for",
    "while",
    "switch",
    "return",
    "sizeof",
    "_Alignof",
    "_Generic",
    "_Static_assert",
    "defined",
    "do",
    "else",
    "case",
}


def strip_c(text):
    """Comments and string/char literals removed (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j) or " ")
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def drop_preprocessor(code):
    lines, keep = code.split("\n"), []
    cont = False
    for line in lines:
        if cont or line.lstrip().startswith("#"):
            cont = line.rstrip().endswith("\\")
            keep.append("")
        else:
            keep.append(line)
    return "\n".join(keep)


INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
CALL_RE = re.compile(r"(?<![\w.>])([A-Za-z_]\w*)\s*\(")


class Source:
    def __init__(self, root, rel):
        self.rel = rel
        self.name = os.path.basename(rel)
        self.stem, self.ext = os.path.splitext(self.name)
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            self.text = f.read()
        self.includes = []  # (name, is_system, line)
        for m in INCLUDE_RE.finditer(self.text):
            line = self.text.count("\n", 0, m.start()) + 1
            self.includes.append((m.group(2), m.group(1) == "<", line))
        self.code = drop_preprocessor(strip_c(self.text))
        self.calls = set(CALL_RE.findall(self.code)) - C_KEYWORDS
        self.defines, self.declares, self.file_vars = scan_file_scope(self.code)


def scan_file_scope(code):
    """(functions defined, functions declared, file-scope variables) where
    a variable is (declaration text, mutable?)."""
    defines, declares, variables = set(), set(), []
    depth, buf, i, n = 0, [], 0, len(code)
    while i < n:
        c = code[i]
        if c == "{":
            head = "".join(buf)
            if "=" not in head:
                m = re.search(r"([A-Za-z_]\w*)\s*\([^()]*(\([^()]*\)[^()]*)*\)\s*$", head)
                if m and not re.search(r"\b(struct|union|enum)\s+\w*\s*$", head):
                    defines.add(m.group(1))
                    buf = []
                else:
                    buf.append("{}")
                # skip the block
                d = 1
                i += 1
                while i < n and d:
                    d += {"{": 1, "}": -1}.get(code[i], 0)
                    i += 1
                continue
            d = 1
            i += 1
            while i < n and d:
                d += {"{": 1, "}": -1}.get(code[i], 0)
                i += 1
            buf.append("{...}")
            continue
        if c == ";" and depth == 0:
            stmt = " ".join("".join(buf).split())
            buf = []
            i += 1
            if not stmt:
                continue
            if re.match(r"(typedef|extern)\b", stmt) or stmt.startswith("_Static_assert"):
                for m in re.finditer(r"([A-Za-z_]\w*)\s*\(", stmt):
                    declares.add(m.group(1))
                continue
            decl = stmt.split("=", 1)[0]
            if re.fullmatch(r"(struct|union|enum)\s+\w*\s*(\{\})?\s*", decl):
                continue
            fm = re.search(r"\b([A-Za-z_]\w*)\s*\(([^()]|\([^()]*\))*\)\s*(__attribute__.*)?$", decl)
            if fm and not re.search(r"\(\s*\*", decl):
                declares.add(fm.group(1))
                continue
            variables.append((stmt, is_mutable(decl)))
            continue
        buf.append(c)
        i += 1
    return defines, declares, variables


def is_mutable(decl):
    """True when the object declared can be written: not const, or a
    pointer (array of pointers) whose outermost level is not const."""
    d = re.sub(r"\[[^\]]*\]", "", decl)
    d = d.replace("{}", " ")
    if "*" in d:
        after = d[d.rfind("*") + 1 :]
        return not re.search(r"\bconst\b", after)
    return not re.search(r"\bconst\b", d)


def matches(stem, patterns):
    return any(re.fullmatch(p, stem) for p in patterns)


def layer_of(name):
    stem = os.path.splitext(name)[0]
    if name in SHARED_HEADERS or matches(stem, SHARED) or matches(stem, PURE):
        return None
    for lname, rank, pats in LAYERS:
        if matches(stem, pats):
            return (lname, rank)
    return None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    root = os.path.abspath(root)
    rels = []
    for d, exts in (("src", (".c", ".h")), ("include", (".h",))):
        for f in sorted(os.listdir(os.path.join(root, d))):
            if f.endswith(exts):
                rels.append(d + "/" + f)
    files = {rel: Source(root, rel) for rel in rels}
    headers = {s.name: s for s in files.values() if s.ext == ".h"}
    sources = {s.stem: s for s in files.values() if s.ext == ".c"}

    violations = []
    used_exceptions = set()

    def report(rule, src, detail, line=None):
        rel = src.rel if src is not None else ""
        for r, f, sub in EXCEPTIONS:
            if r == rule and f == rel and sub in detail:
                used_exceptions.add((r, f, sub))
                return
        where = (rel + (":%d" % line if line else "") + ": ") if rel else ""
        violations.append("%s[%s] %s" % (where, rule, detail))

    # Every file's include closure: header name -> chain that reaches it.
    def closure(src):
        seen, stack = {}, [(inc, sys_, [inc]) for inc, sys_, _ in src.includes]
        while stack:
            inc, sys_, chain = stack.pop()
            if inc in seen:
                continue
            seen[inc] = chain
            if not sys_ and inc in headers:
                for sub, ssys, _ in headers[inc].includes:
                    stack.append((sub, ssys, chain + [sub]))
        return seen

    closures = {rel: closure(s) for rel, s in files.items()}

    def via(chain):
        return "" if len(chain) == 1 else " (via %s)" % " -> ".join(chain[:-1])

    for rel, s in files.items():
        stem = s.stem
        is_http = re.fullmatch(r"http(_.*)?", stem) is not None
        is_api = stem.startswith("api_")
        is_pure = matches(stem, PURE)
        is_store = stem.startswith("store")
        clo = closures[rel]
        lines = {inc: ln for inc, _, ln in s.includes}

        if "microhttpd.h" in clo and not is_http:
            report("mhd", s, "includes <microhttpd.h>" + via(clo["microhttpd.h"]), lines.get(clo["microhttpd.h"][0]))
        if is_api or is_pure:
            rule = "api" if is_api else "pure"
            if "sqlite3.h" in clo:
                report(rule, s, "includes <sqlite3.h>" + via(clo["sqlite3.h"]), lines.get(clo["sqlite3.h"][0]))
        if is_api:
            sql = sorted(c for c in s.calls if c.startswith("sqlite3_"))
            if sql:
                report("api", s, "calls SQLite directly: " + ", ".join(sql))
        if re.fullmatch(r"main|cli(_.*)?|import(_.*)?", stem):
            for inc, _, ln in s.includes:
                if inc.startswith("api_"):
                    report("front-end", s, 'includes the handlers\' "%s"' % inc, ln)
        if not is_store:
            for inc, _, ln in s.includes:
                if inc in STORE_PRIVATE:
                    report("store-private", s, "includes the store's private %s" % inc, ln)
        if is_pure:
            for inc, sys_, ln in s.includes:
                lay = None if sys_ else layer_of(inc)
                if lay:
                    report("pure", s, 'includes "%s" (layer %s)' % (inc, lay[0]), ln)
            for c in sorted(s.calls & set(IMPURE_CALLS)):
                report("pure-call", s, "calls %s()" % c)
            for stmt, mutable in s.file_vars:
                if mutable:
                    report("pure-global", s, "mutable file-scope variable: %s" % stmt[:90])

        mine = layer_of(s.name)
        if mine:
            for inc, sys_, ln in s.includes:
                if sys_:
                    continue
                theirs = layer_of(inc)
                if theirs and theirs[1] < mine[1]:
                    report(
                        "upward",
                        s,
                        'layer %s includes "%s" of higher layer %s' % (mine[0], inc, theirs[0]),
                        ln,
                    )

    # Header to header cycles.
    def find_cycles(graph):
        index, low, stack, on, out = {}, {}, [], set(), []
        counter = [0]

        def strong(v):
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on.add(v)
            for w in sorted(graph.get(v, ())):
                if w not in index:
                    strong(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in graph.get(v, ()):
                    out.append(sorted(comp))

        sys.setrecursionlimit(10000)
        for v in sorted(graph):
            if v not in index:
                strong(v)
        return out

    hgraph = {h: {i for i, sys_, _ in s.includes if not sys_ and i in headers} for h, s in headers.items()}
    for comp in find_cycles(hgraph):
        report("include-cycle", None, "headers include each other: %s" % " <-> ".join(comp))

    # Source files by the headers of their own name: A.c (or A.h) includes
    # B.h and B.c (or B.h) includes A.h.
    own = defaultdict(set)  # module stem -> module stems whose X.h it includes
    for s in files.values():
        for inc, sys_, _ in s.includes:
            t = os.path.splitext(inc)[0]
            if not sys_ and inc in headers and t != s.stem and (t in sources):
                own[s.stem].add(t)
    mgraph = {m: {t for t in ts if t in sources} for m, ts in own.items() if m in sources}
    for comp in find_cycles(mgraph):
        report("include-cycle", None, "modules include each other's headers: %s" % " <-> ".join(comp))

    # Calls through headers: A.c -> B.c when A.c calls a function that a
    # header in A.c's include closure declares and B.c defines.
    definer = {}
    for s in sources.values():
        for f in s.defines:
            definer.setdefault(f, s.stem)
    declared_in = defaultdict(set)
    for h in headers.values():
        for f in h.declares:
            declared_in[h.name].add(f)
    cgraph = defaultdict(set)
    why = {}
    for s in sources.values():
        visible = set()
        for inc in closures[s.rel]:
            visible |= declared_in.get(inc, set())
        for f in sorted(s.calls & visible):
            t = definer.get(f)
            if t and t != s.stem:
                cgraph[s.stem].add(t)
                why.setdefault((s.stem, t), f)
    for comp in find_cycles(cgraph):
        members = set(comp)
        edges = [
            "%s.c calls %s (%s.c)" % (a, why[(a, b)], b)
            for a in comp
            for b in sorted(cgraph[a] & members)
        ]
        report(
            "call-cycle",
            None,
            "%s: %s" % (" <-> ".join(c + ".c" for c in comp), "; ".join(edges)),
        )

    for key in sorted(set(EXCEPTIONS) - used_exceptions):
        violations.append("stale exception (no longer needed, remove it): %s" % (key,))

    nsrc = len(sources)
    if violations:
        for v in violations:
            print(v)
        print("check_layers: %d violation(s) in %d files" % (len(violations), len(files)))
        return 1
    print(
        "check_layers: %d files (%d sources), %d include lines: layers, pure modules and cycles clean"
        " (%d listed exceptions)"
        % (len(files), nsrc, sum(len(s.includes) for s in files.values()), len(used_exceptions))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
