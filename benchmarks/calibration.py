"""Calibration bench: how often do verdicts say "improved" or "worsened" when nothing changed?

    python3 benchmarks/calibration.py [--orgs 200] [--worlds poisson,bursty,...] [--seed 20261127]
                                      [--workers 2]

For each world of tests/realistic.py (the null worlds: poisson, bursty, trend, clustered; the
power worlds: power, power_poisson, and power_down, power_poisson_down with the effects
reversed), draws --orgs organisations (organisation i of every world
comes from the SeedSequence [seed, i], so worlds share their shapes: which teams, how many
comparison teams, which dates), writes each in the real export formats into a temp folder of
its own, loads it, prepares and builds the project's report with default Settings(), and
reads the verdicts from the JSON contract. Beside them, the plain baseline on the same events:
a month-block Welch test of the team's change against the comparison teams' (see
realistic.baseline_verdicts). Organisations run in parallel over --workers processes.

Printed per null world and metric, for the project and the baseline:
- false rate: (improved + worsened) / decided among reorganised teams, with its 95% Wilson
  interval (the SPEC's bound: at most 7%, flagged when the rate or the interval's upper end is
  above it), separately for organisations with comparison teams (the bound's subject: verdicts
  against comparison teams) and without (verdicts against the team's own trend);
- decided: the share of reorganised teams' verdicts that are not "insufficient data";
- comparison teams: the same false rate among comparison teams (raw before/after around the
  comparison date for the project; against the other comparison teams for the baseline);
then the share of reorganised null teams with any false badge; for power worlds, the share of
reorganised teams' verdicts that say what was planted ("improved", or "worsened" where the
effect is reversed), and the share that say the other way. Beside it, power at equal size: the
share called as planted when each method's p threshold is the one that gives it a 5% false rate
on the power world's null twin (the null world with every knob but the effects equal, run
before it: clustered for power and power_down, poisson for the others), so that a method
that says "improved" more often where nothing happened gains nothing from it. Last: the time
per organisation and the projected time of the default run (200 organisations of every world).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "tests"))

import realistic  # noqa: E402  (found through the path set above)

DEFAULT_ORGS = 200
DEFAULT_SEED = 20261127
DEFAULT_WORLDS = realistic.NULL_WORLDS + realistic.POWER_WORLDS
SPEC_BOUND = 0.07  # SPEC "Honest comparison": at most 7% of verdicts per metric say improved or worsened


def rate(part: int, whole: int) -> str:
    """'8.5% [5.1, 13.9] (17/200)' or 'n/a (0/0)'."""
    if not whole:
        return "n/a (0/0)"
    low, high = realistic.wilson(part, whole)
    return f"{part / whole:6.1%} [{low:5.1%}, {high:5.1%}] ({part}/{whole})"


def share(part: int, whole: int) -> str:
    return f"{part / whole:4.0%}" if whole else " n/a"


# The organisations each target is about: SPEC's bound holds where comparison teams exist; without
# them a verdict rests on the team's own trend (shown apart, and labelled so on the pages).
SUBSETS = (("with comparison teams", True), ("without comparison teams (own trend)", False))


def null_world_table(rows: list[dict]) -> list[str]:
    lines = []
    for title, with_comparisons in SUBSETS:
        lines.append(f"  organisations {title}:")
        lines.append(
            f"  {'metric':<18} {'method':<9} {'false rate, reorganised [95% Wilson]':<40} {'decided':>7}  "
            "comparison teams"
        )
        for metric in realistic.METRICS:
            for method in ("project", "baseline"):
                treated = realistic.tally(rows, method, metric, True, with_comparisons)
                control = realistic.tally(rows, method, metric, False, with_comparisons)
                flag = ""
                if treated["decided"] and with_comparisons:
                    low, high = realistic.wilson(treated["false"], treated["decided"])
                    point = treated["false"] / treated["decided"]
                    flag = (
                        "  <- above the 7% bound"
                        if point > SPEC_BOUND
                        else "  <- upper end above 7%"
                        if high > SPEC_BOUND
                        else ""
                    )
                lines.append(
                    f"  {metric if method == 'project' else '':<18} {method:<9} "
                    f"{rate(treated['false'], treated['decided']):<40} {share(treated['decided'], treated['total']):>7}  "
                    f"{rate(control['false'], control['decided'])}{flag}"
                )
    for method in ("project", "baseline"):
        hit, teams = realistic.teams_with_any(rows, method, reorganised=True)
        lines.append(f"  any false badge    {method:<9} {rate(hit, teams)} of reorganised teams (all organisations)")
    return lines


def power_world_table(world: str, rows: list[dict], null_rows: list[dict] | None) -> list[str]:
    """Per subset, metric and method: verdicts called as planted, the other way, and decided; and,
    where the world's null twin was run (null_rows), the share called as planted at the p
    threshold that gives the method a 5% false rate on its twin (size-adjusted power)."""
    lines = []
    for title, with_comparisons in (("all organisations", None), *SUBSETS):
        lines.append(f"  {title}:")
        lines.append(
            f"  {'metric (planted)':<29} {'method':<9} {'called as planted, reorganised':<35} "
            f"{'the other way':>13}  decided  at a 5% false rate on {realistic.null_twin(world)}"
        )
        for metric in realistic.METRICS:
            planted = realistic.WORLDS[world].planted(metric)
            other = "worsened" if planted == "improved" else "improved"
            for method in ("project", "baseline"):
                c = realistic.tally(rows, method, metric, True, with_comparisons)
                adjusted = "n/a (its null twin not run)"
                if null_rows:
                    threshold = realistic.size_adjusted_threshold(null_rows, method, metric, with_comparisons)
                    at = realistic.tally(rows, method, metric, True, with_comparisons, threshold)
                    adjusted = f"{rate(at[planted], at['total'])} p < {threshold:.3g}"
                lines.append(
                    f"  {f'{metric} ({planted})' if method == 'project' else '':<29} {method:<9} "
                    f"{rate(c[planted], c['total']):<35} {share(c[other], c['total']):>13}  "
                    f"{share(c['decided'], c['total']):>7}  {adjusted}"
                )
    return lines


def run_world(world: str, orgs: int, seed: int, pool: ProcessPoolExecutor) -> tuple[list[dict], list[tuple]]:
    """The world's rows, and (wall-clock, CPU) seconds per organisation."""
    results = pool.map(realistic.evaluate_organisation, [world] * orgs, [seed] * orgs, range(orgs))
    rows, seconds = [], []
    for org_rows in results:
        rows += org_rows
        if org_rows:
            seconds.append((org_rows[0]["seconds"], org_rows[0]["cpu_seconds"]))
    return rows, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=DEFAULT_ORGS, help="organisations per world (default 200)")
    parser.add_argument(
        "--worlds",
        default=",".join(DEFAULT_WORLDS),
        help=f"comma-separated, of {', '.join(realistic.WORLDS)} (default: all)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2: both cores)")
    args = parser.parse_args(argv)
    worlds = [w.strip() for w in args.worlds.split(",") if w.strip()]
    unknown = [w for w in worlds if w not in realistic.WORLDS]
    if unknown or args.orgs < 1 or args.workers < 1:
        parser.error(f"unknown worlds {unknown}" if unknown else "--orgs and --workers must be at least 1")

    print(
        f"calibration: {args.orgs} organisations per world, seed {args.seed}, {args.workers} workers, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start"
    )
    started = time.perf_counter()
    all_seconds, rows_of = [], {}
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for world in worlds:
            world_started = time.perf_counter()
            rows, seconds = run_world(world, args.orgs, args.seed, pool)
            rows_of[world] = rows
            all_seconds += seconds
            reorganised = len({(r["index"], r["team"]) for r in rows if r["reorganised"]})
            comparison = len({(r["index"], r["team"]) for r in rows if not r["reorganised"]})
            kind = "null" if realistic.WORLDS[world].null else "power"
            print(
                f"\n{kind} world {world}: {args.orgs} organisations, {reorganised} reorganised teams, "
                f"{comparison} comparison teams, {time.perf_counter() - world_started:.0f} s"
            )
            table = (
                null_world_table(rows)
                if kind == "null"
                else power_world_table(world, rows, rows_of.get(realistic.null_twin(world)))
            )
            print("\n".join(table))
    elapsed = time.perf_counter() - started
    wall = sum(s for s, _ in all_seconds) / len(all_seconds)
    cpu = sum(c for _, c in all_seconds) / len(all_seconds)
    orgs_full = DEFAULT_ORGS * len(DEFAULT_WORLDS)
    print(
        f"\n{len(all_seconds)} organisations in {elapsed:.0f} s. Per organisation in one worker (generate, "
        f"write, load, prepare, report, baseline): {wall:.2f} s wall-clock, {cpu:.2f} s CPU.\n"
        f"The default run ({DEFAULT_ORGS} organisations x {len(DEFAULT_WORLDS)} worlds on {args.workers} workers) "
        f"projects to {wall * orgs_full / args.workers / 60:.0f} min at this run's load, "
        f"{cpu * orgs_full / args.workers / 60:.0f} min on idle cores (CPU time; limit: 60 min)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
