"""Long-range capacity: from weekly workload to FTE, attrition, hiring classes and ramp-up.

``capacity(plan)`` turns a plan file (weeks, teams, demand, shrinkage, staff, attrition,
training and ramp, classes, transfers, hiring rules) into a :class:`CapacityResult`: the weekly
table per team, Monte Carlo bands, and the cheapest hiring plan. Modules, one job each:
``schema`` (the plan file), ``calendar`` (weeks and per-week values), ``demand`` (hours needed),
``supply`` (people week by week), ``weekly`` (the table and its definitions), ``montecarlo``,
``hiring`` (the MILP), ``planner`` (the steps), ``result``, ``compare``, ``plots``.
"""

from staffsim.capacity.planner import capacity
from staffsim.capacity.result import CapacityResult
from staffsim.capacity.schema import load_plan

__all__ = ["capacity", "CapacityResult", "load_plan"]
