"""From a requirement to a roster: shift templates and break rules (:mod:`.rules`), the
candidate shifts (:mod:`.candidates`), the integer program (:mod:`.milp`), the roster
(:mod:`.roster`), the closed loop through the simulation (:mod:`.verify`) and
:func:`schedule` tying them together (:mod:`.schedule`)."""

from staffsim.scheduling.roster import Roster
from staffsim.scheduling.rules import Rules, load_rules, rules_from_dict
from staffsim.scheduling.schedule import schedule
from staffsim.scheduling.verify import Verification

__all__ = ["Roster", "Rules", "Verification", "load_rules", "rules_from_dict", "schedule"]
