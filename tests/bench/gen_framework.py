#!/usr/bin/env python3
"""Generate a large, deterministic performance framework for the benchmark.

The output is a dataset in the import format (icp-performance-dataset/1,
data/dataset.schema.json): about 50 transformation groups, 5 priorities each,
5,000 milestones and 5,000 KPIs spread unevenly over them, owned by a few
organisations, with eight quarters of updates and readings (the plan year's
four and the previous year's four). The same seed always gives the same bytes.

    python3 tests/bench/gen_framework.py --out large.json
    python3 tests/bench/gen_framework.py --out large.json \\
        --return-out return.json --return-quarter 2030-31-Q1 --return-rows 5000

--return-out also writes a bulk quarterly return (the JSON body of
POST /api/v1/quarters/{q}/submissions) for the first --return-rows items,
half milestones and half KPIs.

--chains N --history-out PREFIX (issue 18): the first N KPIs continue KPIs
of --chain-kpi-years earlier plan years (written to PREFIX-YYYY-YY.json, to
import oldest first, before the plan year), each year's KPI with its own
code, the oldest also holding values of the years before it as loaded
history (--history-years in all: by default 2014-15 to 2028-29, with KPIs
from 2019-20, none in the demo's 2018-19), so that every chain is a
multi-year series; every other chain is
monthly (12 monthly values a year besides its quarterly readings). A
chain's values follow a stable process with one step (a shift for SPC to
find). With the defaults (15 years) a monthly chain has 204 points and a
quarterly one 68.

    python3 tests/bench/gen_framework.py --out large.json --chains 20 --history-out hist

Group codes (BG01...), organisation codes (BORG-...) and the plan year
(2030-31 by default) do not collide with the 2018/19 demo dataset, so both
can live in one database. Plain Python 3 standard library.
"""
import argparse
import json
import random
import sys

FORMAT = "icp-performance-dataset/1"

ORGANISATIONS = [
    ("BORG-ACUTE", "Bench Acute Hospitals NHS Foundation Trust"),
    ("BORG-COUNCIL", "Bench Metropolitan Borough Council"),
    ("BORG-MH", "Bench Mental Health NHS Foundation Trust"),
    ("BORG-ICB", "NHS Bench Integrated Care Board"),
    ("BORG-PCN", "Bench Primary Care Networks"),
    ("BORG-VCS", "Bench Voluntary and Community Sector"),
]
# Share of items each organisation owns (the rest have no owner).
OWNER_WEIGHTS = [30, 22, 16, 14, 10, 5]
NO_OWNER_WEIGHT = 3

THEMES = [
    "Children and Young People", "Mental Health", "Learning Disability", "Urgent Care",
    "Community Services", "Primary Care", "Maternity", "Cancer", "Planned Care",
    "Prevention", "Workforce", "Digital", "Estates", "Ageing Well", "Carers",
    "Housing and Health", "Public Health", "Social Prescribing", "End of Life",
    "Substance Misuse", "Respiratory", "Diabetes", "Cardiovascular", "Stroke",
    "Dementia",
]
VERBS = ["Deliver", "Implement", "Review", "Expand", "Redesign", "Procure", "Evaluate",
         "Embed", "Pilot", "Roll out", "Agree", "Commission"]
OBJECTS = ["the integrated pathway", "a single point of access", "the workforce plan",
           "shared care records", "the discharge to assess model", "the outcomes framework",
           "the digital front door", "the community hub", "the crisis service",
           "the transition protocol", "the prevention programme", "the joint strategy"]
QUALIFIERS = ["across all partners", "for the whole borough", "in two localities first",
              "with the voluntary sector", "in line with the national guidance",
              "within the agreed budget", "with patient representatives", ""]
MEASURES = [
    ("percent", "Percentage of referrals seen within {n} weeks", 0, 100),
    ("percent", "Percentage of patients with a care plan reviewed in {n} months", 0, 100),
    ("count", "Number of people supported by the {t} service", 50, 5000),
    ("count", "Number of emergency admissions ({t})", 100, 20000),
    ("rate", "Rate per 100,000 of {t} admissions", 10, 900),
    ("days", "Average length of stay, {t} (days)", 1, 30),
    ("weeks", "Median wait for {t} (weeks)", 1, 52),
    ("count", "Delayed transfers of care, {t}", 0, 400),
]
STATUS_WEIGHTS = [("BR", 3), ("B", 10), ("G", 45), ("A", 25), ("R", 10), ("TBC", 7)]
COMMENTS = [
    "On track.", "Work is ongoing but taking longer than expected.",
    "Recruitment delays; recovery plan agreed at the last meeting.",
    "Completed ahead of schedule.", "Awaiting sign-off by the partnership board.",
    "Funding confirmed; mobilisation under way.",
    "Data quality issues being resolved with the provider.",
    "Target met in all three months of the quarter.",
]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


def split(rng, total, weights):
    """Spread total over len(weights) buckets, proportionally, exactly."""
    s = sum(weights)
    counts = [int(total * w / s) for w in weights]
    rest = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] / s - counts[i]), i))
    for i in order[:rest]:
        counts[i] += 1
    return counts


def quarters_of(year_start):
    y = f"{year_start}-{(year_start + 1) % 100:02d}"
    return [f"{y}-Q{n}" for n in range(1, 5)]


def fmt(v, unit):
    if unit == "percent":
        return f"{v:g}%"
    if unit in ("days", "weeks"):
        return f"{v:g} {unit}"
    return f"{v:,g}"


def generate(args):
    rng = random.Random(args.seed)
    start = int(args.year[:4])
    if args.year != f"{start}-{(start + 1) % 100:02d}":
        sys.exit("gen_framework: --year must be YYYY-YY, e.g. 2030-31")
    plan_q = quarters_of(start)
    prev_q = quarters_of(start - 1)
    all_q = prev_q + plan_q  # previous year's four, then the plan year's four

    orgs = [{"code": c, "name": n} for c, n in ORGANISATIONS]
    owner_pairs = [(c, w) for (c, _), w in zip(ORGANISATIONS, OWNER_WEIGHTS)]
    owner_pairs.append((None, NO_OWNER_WEIGHT))

    quarters = []
    for i, q in enumerate(all_q):
        y0 = start - 1 + (i // 4)
        # Delivery Team about seven weeks after the quarter ends, the Place Board two weeks later.
        month = [8, 11, 2, 5][i % 4]
        yr = y0 + (1 if i % 4 >= 2 else 0)
        quarters.append({"id": q, "delivery_team_date": f"{yr}-{month:02d}-2{i % 4}",
                         "place_board_date": f"{yr}-{month + 1:02d}-0{4 + i % 4}"})
        # An imported quarter is closed to submitters unless the file opens it.
        if q in (args.open if args.open is not None else [plan_q[1]]):
            quarters[-1]["state"] = "open"

    groups, priorities = [], []
    for g in range(1, args.groups + 1):
        code = f"BG{g:02d}"
        theme = THEMES[(g - 1) % len(THEMES)]
        lap = (g - 1) // len(THEMES)
        groups.append({"code": code,
                       "name": f"{theme}{' ' + str(lap + 1) if lap else ''} (bench)",
                       "chairs": [f"Chair {g}A, {ORGANISATIONS[g % 6][0]}"]
                       + ([f"Chair {g}B, {ORGANISATIONS[(g + 2) % 6][0]}"] if g % 3 == 0 else [])})
        for p in range(1, args.priorities + 1):
            title = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}"
            priorities.append({"group": code, "number": p, "title": title.capitalize(),
                               "long_title": f"{title} {rng.choice(QUALIFIERS)}".strip()})

    # Groups differ in size: weights 1..4, so some lists are four times longer.
    gweights = [1 + rng.randrange(4) for _ in range(args.groups)]
    m_per_group = split(rng, args.milestones, gweights)
    k_per_group = split(rng, args.kpis, gweights)

    milestones = []
    for gi, n in enumerate(m_per_group):
        code = groups[gi]["code"]
        per_prio = {}
        for _ in range(n):
            p = 1 + rng.randrange(args.priorities)
            per_prio[p] = per_prio.get(p, 0) + 1
            tq = rng.choice(plan_q + [None])
            m = {
                "code": f"{code}-{p}.{per_prio[p]}",
                "group": code,
                "priority": p,
                "description": f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} "
                               f"{rng.choice(QUALIFIERS)}".strip() + ".",
                "target_quarter": tq,
                "target_text": f"Q{tq[-1]} {tq[2:4]}/{tq[5:7]}" if tq else rng.choice([None, "Ongoing"]),
                "owner": weighted(rng, owner_pairs),
            }
            updates = []
            for q in all_q:
                if rng.random() < args.missing:
                    continue
                u = {"quarter": q, "status": weighted(rng, STATUS_WEIGHTS)}
                if rng.random() < 0.4:
                    u["comment"] = rng.choice(COMMENTS)
                updates.append(u)
            m["updates"] = updates
            milestones.append(m)

    kpis = []
    for gi, n in enumerate(k_per_group):
        code = groups[gi]["code"]
        for j in range(1, n + 1):
            unit, desc, lo, hi = rng.choice(MEASURES)
            direction = weighted(rng, [("increase", 45), ("decrease", 40), ("maintain", 10), (None, 5)])
            target = round(lo + (hi - lo) * (0.2 + 0.7 * rng.random()), 1 if hi <= 100 else 0)
            if unit == "percent":
                target = min(target, 100)
            prios = [1 + rng.randrange(args.priorities)]
            if rng.random() < 0.15 and args.priorities > 1:  # some KPIs serve two priorities
                other = 1 + rng.randrange(args.priorities - 1)
                prios.append(other + (other >= prios[0]))
            k = {
                "code": f"{code}/KPI {j}",
                "group": code,
                "priorities": sorted(prios),
                "description": desc.format(n=1 + rng.randrange(18), t=rng.choice(THEMES).lower()),
                "direction": direction,
                "unit": unit if rng.random() < 0.9 else None,
                "target": target if rng.random() < 0.92 else None,
                "target_text": fmt(target, unit),
                "owner": weighted(rng, owner_pairs),
                "source": rng.choice(["SUS", "Local data", "NHS Digital", "Council returns", None]),
            }
            if rng.random() < 0.35:  # a trajectory for the plan year
                step = (hi - lo) * 0.02 * (1 if direction != "decrease" else -1)
                k["quarterly_targets"] = {q: round(target - step * (3 - i), 2)
                                          for i, q in enumerate(plan_q)}
            r = rng.random()
            if r < 0.2:
                k["tolerance"] = {"mode": "relative", "value": float(1 + rng.randrange(10))}
            elif r < 0.3:
                k["tolerance"] = {"mode": "absolute", "value": round((hi - lo) * 0.02, 1)}
            readings = []
            for q in all_q:
                if rng.random() < args.missing:
                    continue
                base = target if target is not None else (lo + hi) / 2
                value = round(base * (0.85 + 0.3 * rng.random()), 1)
                if unit == "percent":
                    value = min(value, 100.0)
                rd = {"quarter": q, "value": value, "value_text": fmt(value, unit)}
                if rng.random() < 0.7:
                    rd["rating"] = weighted(rng, [("G", 50), ("A", 25), ("R", 20), ("TBC", 5)])
                if rng.random() < 0.3:
                    rd["comment"] = rng.choice(COMMENTS)
                readings.append(rd)
            k["readings"] = readings
            kpis.append(k)

    doc = {
        "format": FORMAT,
        "title": f"Benchmark framework {args.year} (generated, seed {args.seed})",
        "financial_year": args.year,
        "organisations": orgs,
        "quarters": quarters,
        "groups": groups,
        "priorities": priorities,
        "milestones": milestones,
        "kpis": kpis,
    }
    return doc, rng


def month_keys(quarter):
    """The three months ("YYYY-MM") of a financial-year quarter "YYYY-YY-Qn"."""
    y, n = int(quarter[:4]), int(quarter[-1])
    first = 4 + 3 * (n - 1)  # April, July, October, January (+12)
    out = []
    for m in range(first, first + 3):
        yy, mm = (y, m) if m <= 12 else (y + 1, m - 12)
        out.append(f"{yy}-{mm:02d}")
    return out


def add_chains(doc, args):
    """Make the first args.chains KPIs of doc continue KPIs of earlier plan
    years; return the earlier years' datasets, oldest first. Uses its own
    random stream, so the rest of doc is the same bytes as without chains."""
    rng = random.Random(args.seed * 7919 + 18)
    start = int(args.year[:4])
    # The plan-year KPI holds the previous year's quarters already: history
    # stops the year before that. Only the last chain_kpi_years of it have
    # KPIs of their own (none in the demo's 2018-19); the oldest of those
    # holds the earlier years' values as loaded history.
    hist_starts = list(range(start - 1 - args.history_years, start - 1))
    kpi_starts = hist_starts[-args.chain_kpi_years:] if args.chain_kpi_years > 0 else []
    if not kpi_starts:
        sys.exit("gen_framework: --chain-kpi-years must be at least 1")
    chains = doc["kpis"][:args.chains]
    group_codes = sorted({k["group"] for k in chains})
    groups = [g for g in doc["groups"] if g["code"] in group_codes]
    history = {y0: {"format": FORMAT,
                    "title": f"Benchmark history {y0}-{(y0 + 1) % 100:02d} (generated, seed {args.seed})",
                    "financial_year": f"{y0}-{(y0 + 1) % 100:02d}",
                    "organisations": doc["organisations"],
                    "groups": groups,
                    "priorities": [p for p in doc["priorities"] if p["group"] in group_codes],
                    "milestones": [], "kpis": []} for y0 in kpi_starts}
    for i, k in enumerate(chains):
        monthly = i % 2 == 0
        base = k["target"] if k["target"] is not None else 50.0
        sd = max(abs(base) * 0.03, 0.5)
        periods = []  # (year start, quarter, months) oldest first
        for y0 in hist_starts + [start - 1, start]:
            for q in quarters_of(y0):
                periods.append((y0, q, month_keys(q)))
        n_points = len(periods) * (3 if monthly else 1)
        step_at = int(n_points * 0.7)
        step = 2.5 * sd * (1 if k["direction"] != "decrease" else -1)

        def value(idx):
            v = base + rng.gauss(0, sd) + (step if idx >= step_at else 0)
            return round(min(v, 100.0) if k["unit"] == "percent" else v, 1)

        by_year = {}
        idx = 0
        for y0, q, months in periods:
            entry = by_year.setdefault(y0, {"readings": [], "months": []})
            if monthly:
                vals = []
                for m in months:
                    v = value(idx)
                    idx += 1
                    vals.append(v)
                    entry["months"].append({"month": m, "value": v, "value_text": fmt(v, k["unit"])})
                rv = round(sum(vals) / 3, 1)
            else:
                rv = value(idx)
                idx += 1
            entry["readings"].append({"quarter": q, "value": rv, "value_text": fmt(rv, k["unit"])})
        for y0 in hist_starts:  # loaded history: on the oldest KPI of the chain
            if y0 < kpi_starts[0]:
                older = by_year.pop(y0)
                by_year.setdefault("loaded", {"readings": [], "months": []})
                by_year["loaded"]["readings"] += older["readings"]
                by_year["loaded"]["months"] += older["months"]
        loaded = by_year.pop("loaded", {"readings": [], "months": []})
        by_year[kpi_starts[0]]["readings"][:0] = loaded["readings"]
        by_year[kpi_starts[0]]["months"][:0] = loaded["months"]
        previous = None
        for y0 in kpi_starts:
            year = f"{y0}-{(y0 + 1) % 100:02d}"
            hk = {key: k[key] for key in ("group", "priorities", "description", "direction",
                                          "unit", "target", "target_text", "owner", "source")}
            hk["code"] = f"{k['code']} ({year})"
            hk["continues"] = previous
            hk["frequency"] = "monthly" if monthly else "quarterly"
            hk["readings"] = by_year[y0]["readings"]
            if monthly:
                hk["months"] = by_year[y0]["months"]
            history[y0]["kpis"].append(hk)
            previous = {"year": year, "code": hk["code"]}
        k["continues"] = previous
        k["frequency"] = "monthly" if monthly else "quarterly"
        k["readings"] = by_year[start - 1]["readings"] + by_year[start]["readings"]
        if monthly:
            k["months"] = by_year[start - 1]["months"] + by_year[start]["months"]
    return [history[y0] for y0 in kpi_starts]


def bulk_return(doc, rows, seed):
    """A quarterly return touching the first rows items, half milestones, half KPIs."""
    rng = random.Random(seed + 1)
    nm = min(rows // 2, len(doc["milestones"]))
    nk = min(rows - nm, len(doc["kpis"]))
    ms = [{"code": m["code"], "status": weighted(rng, STATUS_WEIGHTS)}
          | ({"comment": rng.choice(COMMENTS)} if rng.random() < 0.3 else {})
          for m in doc["milestones"][:nm]]
    ks = []
    for k in doc["kpis"][:nk]:
        v = round((k["target"] or 50) * (0.85 + 0.3 * rng.random()), 1)
        row = {"code": k["code"], "value": v, "value_text": fmt(v, k["unit"])}
        if rng.random() < 0.7:
            row["rating"] = rng.choice(["G", "A", "R"])
        ks.append(row)
    return {"milestones": ms, "kpis": ks}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=2030, help="random seed (default 2030)")
    ap.add_argument("--year", default="2030-31", help="financial_year (default 2030-31)")
    ap.add_argument("--groups", type=int, default=50)
    ap.add_argument("--priorities", type=int, default=5, help="priorities per group")
    ap.add_argument("--milestones", type=int, default=5000)
    ap.add_argument("--kpis", type=int, default=5000)
    ap.add_argument("--missing", type=float, default=0.0,
                    help="share of item-quarters without an update/reading (default 0)")
    ap.add_argument("--out", default="-", help="dataset file (default stdout)")
    ap.add_argument("--return-out", help="also write a bulk return body here")
    ap.add_argument("--return-rows", type=int, default=5000)
    ap.add_argument("--open", action="append", metavar="QUARTER",
                    help="a quarter the dataset opens for submitters (\"state\": \"open\"); "
                         "repeatable (default: the plan year's Q2, which the benchmark's "
                         "submitters write)")
    ap.add_argument("--chains", type=int, default=0,
                    help="KPIs (the first ones) that continue earlier years' KPIs (default 0)")
    ap.add_argument("--history-years", type=int, default=15,
                    help="earlier plan years of each chain (default 15)")
    ap.add_argument("--chain-kpi-years", type=int, default=10,
                    help="of those, the latest years with a KPI of their own; the oldest of "
                         "them holds the earlier years' values as loaded history (default 10)")
    ap.add_argument("--history-out", metavar="PREFIX",
                    help="with --chains: write the earlier years to PREFIX-YYYY-YY.json")
    args = ap.parse_args()
    if args.chains and not args.history_out:
        sys.exit("gen_framework: --chains needs --history-out")

    doc, _ = generate(args)
    history = add_chains(doc, args) if args.chains else []
    for h in history:
        with open(f"{args.history_out}-{h['financial_year']}.json", "w", encoding="utf-8") as f:
            json.dump(h, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    if args.out == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    if args.return_out:
        with open(args.return_out, "w", encoding="utf-8") as f:
            json.dump(bulk_return(doc, args.return_rows, args.seed), f, separators=(",", ":"))
            f.write("\n")
    updates = sum(len(m["updates"]) for m in doc["milestones"])
    readings = sum(len(k["readings"]) for k in doc["kpis"])
    print(json.dumps({"financial_year": args.year, "seed": args.seed,
                      "organisations": len(doc["organisations"]), "groups": len(doc["groups"]),
                      "priorities": len(doc["priorities"]), "milestones": len(doc["milestones"]),
                      "kpis": len(doc["kpis"]), "updates": updates, "readings": readings,
                      "chains": args.chains,
                      "history_files": [f"{args.history_out}-{h['financial_year']}.json"
                                        for h in history],
                      "bytes": len(text.encode("utf-8")) + 1}), file=sys.stderr)


if __name__ == "__main__":
    main()
