"""Cost: plans priced over the contract term (``costing``); quotes compared, swept (``compare``)."""

from planner.money.compare import Comparison, SweepResult, compare, sweep
from planner.money.costing import Assessment, Costing, assess

__all__ = ["Assessment", "Comparison", "Costing", "SweepResult", "assess", "compare", "sweep"]
