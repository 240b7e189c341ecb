"""Warm start: an earlier plan carried over to a changed problem (a what-if on the policy).

The PCs of the earlier plan whose model is still offered keep the same workload classes where
they still fit under the new capacities, stock and anti-affinity rules (copies are dropped,
largest first, where they no longer fit); every copy left over is packed anew by one cheap
constructive pass. The result is a complete packing at once, often close to the new optimum
when only the policy moved a little; the search then improves on it as usual.
"""

from __future__ import annotations

import time

from planner.model.plan import Plan
from planner.model.problem import Problem
from planner.solver.colgen import residual_problem
from planner.solver.heuristics import Packing, Pattern, portfolio


def _fits(problem: Problem, t: int, counts: dict[int, int]) -> bool:
    """Whether these copies fit one PC of type ``t`` (capacity and anti-affinity)."""
    load = [0] * problem.nd
    anti: dict[str, int] = {}
    for i, k in counts.items():
        it = problem.items[i]
        for d in range(problem.nd):
            load[d] += it.size[d] * k
        for g in it.anti:
            anti[g] = anti.get(g, 0) + k
    cap = problem.hosts[t].cap
    return all(load[d] <= cap[d] for d in range(problem.nd)) \
        and all(v <= 1 for v in anti.values())


def warm_packing(problem: Problem, earlier: Plan) -> Packing | None:
    """A packing of ``problem`` that keeps what still fits of ``earlier`` (None: nothing to do)."""
    if not problem.items or not problem.hosts:
        return None
    copy_of: dict[str, int] = {}
    for i, it in enumerate(problem.items):
        for copy in it.members:
            for n in copy:
                copy_of[n] = i
    type_of = {h.model.name: h.index for h in problem.hosts}
    left = [it.demand for it in problem.items]
    stock = [0] * len(problem.hosts)
    kept: list[Pattern] = []
    for host in earlier.hosts:
        t = type_of.get(host.model)
        if t is None:
            continue
        avail = problem.hosts[t].available
        if avail is not None and stock[t] >= avail:
            continue
        counts: dict[int, int] = {}
        seen: set[int] = set()
        for n in host.workloads:
            found = copy_of.get(n)
            if found is None:
                continue
            i = found
            size = len(problem.items[i].members[0])
            if size > 1:  # an affinity group: one copy, counted once
                if i in seen:
                    continue
                seen.add(i)
            if counts.get(i, 0) < left[i]:
                counts[i] = counts.get(i, 0) + 1
        # drop the largest copies until the PC fits the new capacity and rules
        while counts and not _fits(problem, t, counts):
            i = max(counts, key=lambda j: (sum(problem.items[j].size), j))
            counts[i] -= 1
            if counts[i] == 0:
                del counts[i]
        if not counts:
            continue
        for i, k in counts.items():
            left[i] -= k
        stock[t] += 1
        kept.append(Pattern(t, tuple(sorted(counts.items()))))
    if not kept:
        return None
    if not any(left):
        return Packing(kept, {})
    rest = portfolio(residual_problem(problem, left, stock), lambda counts: 0, time.monotonic())
    return Packing(kept + rest.patterns, dict(rest.uncovered))
