"""The pandas baseline of the KPI benchmark (issue #6).

Computes the DORA metrics the relman bench compares, with the same rules
(docs/kpi.md): production = environment "production", no period bounds,
UTC days, Monday weeks, attribution explicit then the latest production
deployment of the same service within 24 h. Reads the CSV files the bench
wrote (outside the timing), times `compute` over REPEATS runs and prints one
JSON object {"times_secs": [...], "metrics": {...}} on stdout.

    python kpi_pandas.py DATA_DIR REPEATS
    python kpi_pandas.py --json HISTORY   # end to end: json.load + DataFrame + compute

With `--serve` instead of REPEATS it reads the files, prints one line
"ready", then runs `compute` once per line read from stdin and answers each
with one JSON line {"time_secs", "metrics"} — so a caller can take pandas'
samples in turns with its own (scripts/bench-report does).

DATA_DIR may instead be a history JSON file (a path ending in ".json", the
very file `relman kpi` reads): then every run — each `--serve` request, each
of the REPEATS — includes the load, `json.load` of the text and the
DataFrames built from it (timestamps parsed from RFC 3339), before
`compute`; that is pandas' end-to-end figure of the KPI benchmark (issue #24).
"""

import json
import sys
import time

import numpy as np
import pandas as pd

SUCCESS = ["success", "success_with_issues"]
WINDOW = 86_400


def compute(dep, chg, inc):
    prod = dep[dep.env == "production"]
    ok = prod.outcome.isin(SUCCESS)
    succ = prod[ok]

    # Deployment frequency.
    days_all = pd.concat([prod.finished // 86_400, inc.created // 86_400])
    first, last = int(days_all.min()), int(days_all.max())
    days = last - first + 1
    succ_days = pd.Series((succ.finished // 86_400).unique())
    weeks = succ_days - (succ_days + 3) % 7
    per_week = weeks.value_counts()
    w0, w1 = first - (first + 3) % 7, last - (last + 3) % 7
    per_week = per_week.reindex(range(w0, w1 + 1, 7), fill_value=0)

    # Lead time: first successful production deployment of each change.
    shipped = chg.merge(succ[["id", "finished"]], left_on="deployment_id", right_on="id")
    shipped = shipped.sort_values(["finished", "committed"], na_position="first")
    firsts = shipped.drop_duplicates("change_id", keep="first")
    lead = (firsts.finished - firsts.committed).dropna()
    lead = lead[lead >= 0]

    # Attribution: explicit, else the latest production deployment of the
    # service within the window.
    prod_ids = set(prod.id)
    explicit = inc[inc.caused_by.notna()]
    explicit = explicit[explicit.caused_by.isin(prod_ids)][["caused_by", "resolved"]]
    explicit = explicit.rename(columns={"caused_by": "dep_id"})
    loose = inc[inc.caused_by.isna()].sort_values("created")
    by_time = prod[["id", "service", "finished"]].sort_values(["finished", "id"])
    windowed = pd.merge_asof(
        loose, by_time, left_on="created", right_on="finished", by="service",
        direction="backward", tolerance=WINDOW, allow_exact_matches=True,
        suffixes=("_inc", ""),
    )
    windowed = windowed[windowed.id.notna()][["id", "resolved"]].rename(columns={"id": "dep_id"})
    attributed = pd.concat([explicit, windowed])

    # Change failure rate: each deployment once.
    hit = prod.id.isin(set(attributed.dep_id))
    failed = prod.outcome.isin(["failed", "rolled_back"]) | hit
    fails = prod[failed]

    # Recovery: whichever comes first of the earliest resolution (not before
    # the finish) and the next success of the same service and environment.
    res = attributed.merge(fails[["id", "finished"]], left_on="dep_id", right_on="id")
    res = res[res.resolved >= res.finished].groupby("dep_id").resolved.min()
    f = fails[["id", "service", "env", "finished"]].sort_values("finished")
    nxt = succ[["service", "env", "finished"]].rename(columns={"finished": "next_ok"}).sort_values("next_ok")
    f = pd.merge_asof(
        f, nxt, left_on="finished", right_on="next_ok", by=["service", "env"],
        direction="forward", allow_exact_matches=False,
    )
    f["res"] = f.id.map(res)
    end = f[["next_ok", "res"]].min(axis=1)
    recovery = (end - f.finished).dropna()

    rework = prod.kind.isin(["hotfix", "rework"]).mean()
    return {
        "production_deployments": int(len(prod)),
        "successful": int(len(succ)),
        "days": int(days),
        "per_day": len(succ) / days,
        "median_deploy_days_per_week": float(per_week.median()),
        "lead_count": int(len(lead)),
        "lead_median": float(lead.median()),
        "lead_p90": float(lead.quantile(0.9)),
        "lead_mean": float(lead.mean()),
        "cfr": float(failed.mean()),
        "recovery_count": int(len(recovery)),
        "recovery_median": float(recovery.median()),
        "rework": float(rework),
    }


EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def seconds(column):
    """RFC 3339 text (or None) to Unix seconds (NaN where missing)."""
    ts = pd.to_datetime(column, utc=True, format="ISO8601")
    return (ts - EPOCH) // pd.Timedelta(seconds=1)


def load_json(path):
    """The three frames `compute` reads, from a history JSON file."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    deps = doc.get("deployments", [])
    dep = pd.DataFrame({
        "id": [d["id"] for d in deps],
        "service": [d["service"] for d in deps],
        "env": [d["environment"] for d in deps],
        "finished": seconds([d["finished_at"] for d in deps]),
        "outcome": [d["outcome"] for d in deps],
        "kind": [d.get("kind", "planned") for d in deps],
    })
    rows = [(c["id"], d["id"], c.get("committed_at")) for d in deps for c in d.get("changes", [])]
    chg = pd.DataFrame(rows, columns=["change_id", "deployment_id", "committed"])
    chg["committed"] = seconds(chg.committed)
    incs = doc.get("incidents", [])
    inc = pd.DataFrame({
        "id": [i["id"] for i in incs],
        "service": [i.get("service") for i in incs],
        "created": seconds([i["created_at"] for i in incs]),
        "resolved": seconds([i.get("resolved_at") for i in incs]),
        "caused_by": [i.get("caused_by") for i in incs],
    })
    return dep, chg, inc


def serve(load):
    print(json.dumps({"ready": True, "pandas": pd.__version__, "numpy": np.__version__}), flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        metrics = compute(*load())
        elapsed = time.perf_counter() - start
        print(json.dumps({"time_secs": elapsed, "metrics": metrics}), flush=True)


EPOCH = pd.Timestamp(0, tz="UTC")


def seconds(times):
    """Unix seconds of a datetime column, NaN where absent."""
    secs = pd.Series(np.nan, index=times.index)
    ok = times.notna()
    secs[ok] = (times[ok] - EPOCH) // pd.Timedelta(seconds=1)
    return secs


def load_json(path):
    """The history JSON as the three frames `compute` takes: `json.load`,
    `pd.DataFrame`, timestamps to Unix seconds (what a pandas user pays to
    read the file `relman kpi` reads)."""
    with open(path) as f:
        history = json.load(f)
    deps = history.get("deployments", [])
    dep = pd.DataFrame(deps, columns=["id", "service", "environment", "finished_at", "outcome", "kind"])
    dep = dep.rename(columns={"environment": "env"})
    dep["finished"] = (pd.to_datetime(dep.pop("finished_at"), utc=True, format="ISO8601") - EPOCH) // pd.Timedelta(seconds=1)
    chg = pd.DataFrame(
        [(c["id"], d["id"], c.get("committed_at")) for d in deps for c in d.get("changes", [])],
        columns=["change_id", "deployment_id", "committed"],
    )
    committed = pd.to_datetime(chg.committed, utc=True, format="ISO8601")
    chg["committed"] = seconds(committed)
    inc = pd.DataFrame(history.get("incidents", []), columns=["id", "service", "created_at", "resolved_at", "caused_by"])
    inc["created"] = (pd.to_datetime(inc.pop("created_at"), utc=True, format="ISO8601") - EPOCH) // pd.Timedelta(seconds=1)
    inc["resolved"] = seconds(pd.to_datetime(inc.pop("resolved_at"), utc=True, format="ISO8601"))
    return dep, chg, inc


def main():
    if sys.argv[1] == "--json":
        # End to end from the history JSON: python kpi_pandas.py --json HISTORY
        start = time.perf_counter()
        dep, chg, inc = load_json(sys.argv[2])
        loaded = time.perf_counter()
        metrics = compute(dep, chg, inc)
        done = time.perf_counter()
        print(json.dumps({"load_secs": loaded - start, "compute_secs": done - loaded,
                          "total_secs": done - start, "metrics": metrics,
                          "pandas": pd.__version__, "numpy": np.__version__}))
        return
    data = sys.argv[1]
    if data.endswith(".json"):
        def load():
            return load_json(data)
    else:
        frames = (
            pd.read_csv(f"{data}/deployments.csv"),
            pd.read_csv(f"{data}/changes.csv"),
            pd.read_csv(f"{data}/incidents.csv"),
        )

        def load():
            return frames
    if sys.argv[2] == "--serve":
        serve(load)
        return
    repeats = int(sys.argv[2])
    times, metrics = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        metrics = compute(*load())
        times.append(time.perf_counter() - start)
    print(json.dumps({"times_secs": times, "metrics": metrics,
                      "pandas": pd.__version__, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
