#!/usr/bin/env python3
"""Collects the `kac eval --json` reports behind the judge tables of docs/quality.md
("The instrument") into one JSON file: every row of every seed, the real-data floors, and per model the mean,
the sample standard deviation over seeds, the ratio of means to the teacher's, and the spread of the
per-seed difference to the teacher (the same seed gives every model the same starting noise and
labels, so model differences are steadier than the values).

usage: tools/eval-instrument.py REPORT.json... > docs/data/eval-instrument.json   (a markdown table on stderr)
"""
import json
import statistics
import sys

METRICS = [("frechetDistance", "FD (penultimate)"), ("multiLayerFrechetDistance", "FD multi"),
           ("multiLayerKernelDistance", "KID")]


def main(paths):
    rows, floors = [], []
    for path in paths:
        report = json.load(open(path))
        for row in report["rows"]:
            rows.append(dict(row, seed=report["seed"], report=path))
        if report.get("floor"):
            floors.append(dict(report["floor"], seed=report["seed"]))
    # One floor per seed (every report of a seed scores the same training images).
    floors = list({floor["seed"]: floor for floor in floors}.values())
    models = list(dict.fromkeys(row["model"] for row in rows))
    teacher = next(model for model in models if "teacher" in model)

    def per_seed(model, key):
        return {row["seed"]: row[key] for row in rows if row["model"] == model}

    summary = []
    for model in models + ["real images (floor)"]:
        entry = {"model": model}
        for key, _ in METRICS + [("classAccuracy", "")]:
            values = ({f["seed"]: f[key] for f in floors} if model.startswith("real")
                      else per_seed(model, key))
            seeds = sorted(values)
            entry[key] = {
                "seeds": seeds, "values": [values[s] for s in seeds],
                "mean": statistics.mean(values.values()),
                "sd": statistics.stdev(values.values()) if len(values) > 1 else None,
            }
            if key != "classAccuracy" and not model.startswith("real"):
                reference = per_seed(teacher, key)
                entry[key]["ratioToTeacher"] = entry[key]["mean"] / statistics.mean(reference.values())
                differences = [values[s] - reference[s] for s in seeds if s in reference]
                entry[key]["differenceToTeacher"] = {
                    "mean": statistics.mean(differences),
                    "sd": statistics.stdev(differences) if len(differences) > 1 else None}
        summary.append(entry)
    json.dump({"schema": "kac-eval-instrument/1", "teacher": teacher, "reports": paths, "rows": rows,
               "floors": floors, "summary": summary}, sys.stdout, indent=1, sort_keys=True)
    print(file=sys.stdout)

    def cell(entry, key, scale=1.0, digits=2):
        m = entry[key]
        text = f"{m['mean'] * scale:.{digits}f} ± {m['sd'] * scale:.{digits}f}" if m["sd"] is not None else f"{m['mean'] * scale:.{digits}f}"
        if "ratioToTeacher" in m:
            d = m["differenceToTeacher"]
            text += f" (×{m['ratioToTeacher']:.2f}"
            if d["sd"] is not None and d["sd"] > 0 and "teacher" not in entry["model"]:
                text += f"; Δ {d['mean'] * scale:.2f} ± {d['sd'] * scale:.2f}"
            text += ")"
        return text

    print("| model | FD (penultimate) | FD multi | KID × 10³ | class accuracy |", file=sys.stderr)
    print("|---|---:|---:|---:|---:|", file=sys.stderr)
    for entry in summary:
        print(f"| {entry['model']} | {cell(entry, 'frechetDistance')} | {cell(entry, 'multiLayerFrechetDistance')} | "
              f"{cell(entry, 'multiLayerKernelDistance', 1000)} | {cell(entry, 'classAccuracy', 100, 1)} % |", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
