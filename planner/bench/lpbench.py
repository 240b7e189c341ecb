"""Why the master LP is solved through highspy directly: re-solve cost, PuLP against highspy.

Column generation re-solves the master LP after every round of new columns, hundreds of times.
This benchmark records the columns the engine adds on an instance, then replays the same
sequence of masters two ways: rebuilt and solved through PuLP with HiGHS at each round (what a
PuLP model does), and kept in one ``highspy`` instance that only receives the new columns and
re-solves from the previous basis (what the engine does). Both must reach the same LP values.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pulp

from planner.model.problem import Problem, build_problem
from planner.readers.catalog import Catalog, Policy
from planner.readers.inventory import Inventory
from planner.solver.colgen import Pricer, build_master, pattern_column
from planner.solver.heuristics import Pattern, portfolio
from planner.solver.highs import INF, fvec, ivec, run_highs
from planner.solver.unitpack import UnitPattern, unit_patterns


@dataclass
class LpBenchResult:
    """Timings of replaying one column-generation run's masters."""

    rounds: int
    columns: int
    pulp_seconds: float
    highspy_seconds: float
    max_value_diff: float

    @property
    def speedup(self) -> float:
        """How many times faster the warm highspy re-solve is."""
        return self.pulp_seconds / max(self.highspy_seconds, 1e-9)


def _record_rounds(inventory: Inventory, catalog: Catalog, policy: Policy, rounds: int
                   ) -> tuple[Problem, list[UnitPattern], float, list[list[Pattern]]]:
    """Run greedy-priced column generation and return the columns added in each round."""
    problem = build_problem(inventory, catalog, policy)
    upats = unit_patterns(problem) if problem.units else []
    penalty = float(max(h.cost for h in problem.hosts)
                    + 2 * max((u.cost for u in problem.units), default=0) + 1)
    h, rows = build_master(problem, upats, penalty)
    start = portfolio(problem, lambda counts: 0).patterns
    seen: set[Pattern] = set()
    batches: list[list[Pattern]] = [[p for p in dict.fromkeys(start)]]
    for p in batches[0]:
        seen.add(p)
        idx, val = pattern_column(rows, p)
        h.addCol(float(problem.hosts[p.host].cost), 0.0, INF, len(idx), ivec(idx), fvec(val))
    pricer = Pricer(problem)
    for _ in range(rounds):
        run_highs(h)
        y = list(h.getSolution().row_dual)
        pi = [max(0.0, y[r]) for r in rows.cover]
        new: list[Pattern] = []
        for t in range(len(problem.hosts)):
            for _, p in pricer.greedy(t, np.asarray(pi), seeds=20):
                if p.content and p not in seen:
                    seen.add(p)
                    new.append(p)
        if not new:
            break
        batches.append(new)
        for p in new:
            idx, val = pattern_column(rows, p)
            h.addCol(float(problem.hosts[p.host].cost), 0.0, INF, len(idx), ivec(idx),
                     fvec(val))
    return problem, upats, penalty, batches


def run_lp_bench(inventory: Inventory, catalog: Catalog, policy: Policy,
                 rounds: int = 40) -> LpBenchResult:
    """Replay the masters of ``rounds`` column-generation rounds through PuLP and highspy."""
    problem, upats, penalty, batches = _record_rounds(inventory, catalog, policy, rounds)
    # highspy: one instance, columns appended, warm re-solve
    t0 = time.perf_counter()
    h, rows = build_master(problem, upats, penalty)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("simplex_strategy", 4)
    hs_values = []
    for batch in batches:
        for p in batch:
            idx, val = pattern_column(rows, p)
            h.addCol(float(problem.hosts[p.host].cost), 0.0, INF, len(idx), ivec(idx),
                     fvec(val))
        run_highs(h)
        hs_values.append(float(h.getInfo().objective_function_value))
    hs_seconds = time.perf_counter() - t0

    # PuLP: the model rebuilt with all columns so far and solved at each round
    t0 = time.perf_counter()
    pulp_values = []
    columns: list[Pattern] = []
    n_items = len(problem.items)
    for batch in batches:
        columns.extend(batch)
        m = pulp.LpProblem("master", pulp.LpMinimize)
        x = [m.add_variable(f"x{j}", lowBound=0) for j in range(len(columns))]
        s = [m.add_variable(f"s{i}", lowBound=0) for i in range(n_items)]
        zq = [m.add_variable(f"z{q}", lowBound=0) for q in range(len(upats))]
        m += (pulp.lpSum(problem.hosts[p.host].cost * x[j] for j, p in enumerate(columns))
              + pulp.lpSum(penalty * v for v in s)
              + pulp.lpSum(problem.units[q.unit].cost * zq[k] for k, q in enumerate(upats)))
        for i, it in enumerate(problem.items):
            m += (pulp.lpSum(a * x[j] for j, p in enumerate(columns) for ii, a in p.content
                             if ii == i) + s[i] >= it.demand), f"cover_{i}"
        if problem.units:
            for k in range(len(problem.hosts)):
                m += (pulp.lpSum(q.hosts[k] * zq[n] for n, q in enumerate(upats))
                      - pulp.lpSum(x[j] for j, p in enumerate(columns) if p.host == k)
                      >= 0), f"link_{k}"
            if problem.seats_needed:
                m += (pulp.lpSum(problem.units[q.unit].seats * zq[n]
                                 for n, q in enumerate(upats))
                      + pulp.lpSum(it.seats * s[i] for i, it in enumerate(problem.items))
                      >= problem.seats_needed), "seats"
        for k, t in enumerate(problem.hosts):
            if t.available is not None:
                m += (pulp.lpSum(x[j] for j, p in enumerate(columns) if p.host == k)
                      <= t.available), f"stock_{k}"
        for n_u, u in enumerate(problem.units):
            if u.available is not None:
                m += (pulp.lpSum(zq[n] for n, q in enumerate(upats) if q.unit == n_u)
                      <= u.available), f"ustock_{n_u}"
        m.solve(pulp.HiGHS(msg=False))
        pulp_values.append(float(pulp.value(m.objective)))
    pulp_seconds = time.perf_counter() - t0
    diff = max(abs(a - b) / max(1.0, abs(a)) for a, b in zip(hs_values, pulp_values,
                                                              strict=True))
    return LpBenchResult(len(batches), len(columns), pulp_seconds, hs_seconds, diff)


def main_lp_bench() -> None:
    """Print the LP re-solve benchmark on the bundled sample (`planner bench --suite lp`)."""
    from planner.bench.instances import SAMPLE_DIR
    from planner.readers.catalog import load_catalog, load_policy
    from planner.readers.inventory import read_inventory_csv

    inv = read_inventory_csv(SAMPLE_DIR / "inventory.csv")
    cat = load_catalog(SAMPLE_DIR / "catalog.toml")
    pol = load_policy(SAMPLE_DIR / "policy.toml")
    r = run_lp_bench(inv, cat, pol)
    print(f"master LP re-solves on the sample: {r.rounds} rounds, {r.columns} columns")
    print(f"  PuLP (rebuild + HiGHS each round): {r.pulp_seconds:8.3f} s")
    print(f"  highspy (append columns, warm):    {r.highspy_seconds:8.3f} s")
    print(f"  speed-up: {r.speedup:.1f}x; largest relative LP value difference "
          f"{r.max_value_diff:.2e}")
