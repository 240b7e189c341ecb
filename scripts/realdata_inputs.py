"""Build the issue-25 benchmark inputs from the real-data folder (never copied into the repo).

    python scripts/realdata_inputs.py /work/shared/realdata /tmp/planner-inputs [--n 50000]

writes ``real-<n>.csv`` there: workloads whose sizes are drawn from the real RVTools VMs
(planner.bench.targets.write_inputs). ``planner bench --suite targets --realdata REALDATA
--inputs OUT`` then runs the targets on it, the sample and the 805-VM workbook.
"""

from __future__ import annotations

import argparse

from planner.bench.targets import real_sizes, write_inputs


def main() -> None:
    """Parse the arguments and write the inputs."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("realdata")
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    sizes = real_sizes(a.realdata)
    path = write_inputs(a.realdata, a.out, a.n, a.seed)
    print(f"wrote {path}: {a.n} workloads drawn from {len(sizes)} real VMs, "
          f"{len(set(sizes))} distinct sizes")


if __name__ == "__main__":
    main()
