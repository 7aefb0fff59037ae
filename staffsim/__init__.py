"""staffsim: contact-center staffing and queue simulation.

Public API::

    from staffsim import load_scenario, simulate, plan_for
    scenario = load_scenario("scenarios/bank.yaml", overrides={"channels.chat.volume_factor": 1.3})
    result = simulate(scenario, replications=30, seed=2026, jobs=2)
    result.summary(); result.slots; result.plan
"""

__version__ = "0.2.0"

from staffsim.capacity import capacity  # noqa: E402  (capacity planning)
from staffsim.errors import InputError  # noqa: E402
from staffsim.people.assignment import assign  # noqa: E402  (shifts to named people)
from staffsim.experiment import compare, plan_for, simulate  # noqa: E402
from staffsim.requirement import Requirement, requirement  # noqa: E402
from staffsim.scenarios.loader import load_scenario, scenario_from_dict  # noqa: E402
from staffsim.scheduling import schedule  # noqa: E402  (shift scheduling)
from staffsim.sweeps import sweep  # noqa: E402

__all__ = ["__version__", "InputError", "load_scenario", "scenario_from_dict", "simulate", "plan_for",
           "compare", "sweep", "requirement", "Requirement", "schedule", "capacity", "assign"]
