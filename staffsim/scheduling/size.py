"""The size of a scheduling problem, counted from the rules and the horizon before anything is
built: shifts, break placements, tours, the integer program's columns and non-zeros.

:func:`check_problem_size` refuses rules whose problem is beyond the stated limits
(:data:`~staffsim.limits.MAX_MILP_COLUMNS`, :data:`~staffsim.limits.MAX_MILP_NONZEROS`,
:data:`~staffsim.limits.MAX_TOUR_PATTERNS`), with the figure and the rule that makes it big,
instead of building a problem that takes gigabytes and minutes before the solver's time limit
even starts. The counts are upper bounds from arithmetic on the rules (a start that does not fit
the opening hours is still counted), so they cost nothing whatever the rules say.
"""

from __future__ import annotations

import math

from staffsim.errors import InputError
from staffsim.limits import MAX_MILP_COLUMNS, MAX_MILP_NONZEROS, MAX_TOUR_PATTERNS
from staffsim.scenarios.scenario import Scenario
from staffsim.scheduling.rules import Rules, format_duration

DAY = 86400.0


def _count(lo: float, hi: float, step: float) -> float:
    """Points lo, lo + step, ... <= hi (as a float: it may be astronomical)."""
    return math.floor((hi - lo) / step + 1e-9) + 1.0 if hi >= lo else 0.0


def tour_patterns(work: int, off: int, consecutive: bool) -> int:
    """How many distinct work patterns a tour cycle allows (before the horizon's days)."""
    cycle = work + off
    return cycle if consecutive else math.comb(cycle, work)


def check_problem_size(scenario: Scenario, rules: Rules) -> dict[str, float]:
    """Count the problem ``rules`` make on ``scenario``'s horizon and refuse it beyond the
    limits; returns the counts (``shifts``, ``columns``, ``nonzeros``, ``tours``)."""
    h = scenario.spec.horizon
    slot = h.slot
    n_days = len({int(s // DAY) for s in h.slot_starts()})
    src = rules.label
    shifts = columns = nonzeros = tours = 0.0
    biggest = ("", 0.0)
    for name, team in rules.spec.teams.items():
        team_shifts = team_nz = team_starts = 0.0
        for k, t in enumerate(team.templates):
            step = t.start_step if t.start_step is not None else slot
            starts = _count(t.earliest_start, t.latest_start, step)
            days = float(len(set(t.days))) if t.days else float(n_days)
            n = starts * days
            per_shift_cols, per_shift_nz = 1.0, math.ceil(t.length / slot) + 1.0
            for b in t.breaks:
                bstep = b.step if b.step is not None else slot
                options = _count(b.earliest, b.latest, bstep)
                per_shift_cols += options
                per_shift_nz += options * (math.ceil(b.length / slot) + 2.0)
            nz = n * per_shift_nz
            if nz > biggest[1]:
                text = (f"teams.{name}.templates.{k} ({t.name}): {starts:,.0f} starts x {days:,.0f} days "
                        f"x {per_shift_cols:,.0f} column(s) for the shift and its break placements")
                biggest = (text, nz)
            team_shifts += n
            team_starts += starts
            columns += n * per_shift_cols
            team_nz += nz
        if team.tours is not None:
            tt = team.tours
            patterns = tour_patterns(tt.work_days, tt.off_days, tt.consecutive_off)
            cycle = tt.work_days + tt.off_days
            # building the patterns holds each over the horizon's days
            if patterns * max(n_days, cycle) > MAX_TOUR_PATTERNS:
                raise InputError(f"{src}: teams.{name}.tours: {tt.work_days}-on / {tt.off_days}-off tours "
                                 f"{'with consecutive days off ' if tt.consecutive_off else ''}give {patterns:,} "
                                 f"work patterns x {max(n_days, cycle):,} days, beyond staffsim's limit of "
                                 f"{MAX_TOUR_PATTERNS:,}; use a shorter cycle"
                                 + ("" if tt.consecutive_off else " or consecutive_off: true"))
            team_tours = team_starts * patterns
            tours += team_tours
            columns += team_tours
            # every shift's coefficients are carried by the tours that work it
            team_nz *= max(1.0, patterns * tt.work_days / cycle)
        shifts += team_shifts
        nonzeros += team_nz
    if columns > MAX_MILP_COLUMNS or nonzeros > MAX_MILP_NONZEROS:
        what = (f"{columns:,.0f} variables" if columns > MAX_MILP_COLUMNS else f"{nonzeros:,.0f} non-zeros")
        limit = (f"{MAX_MILP_COLUMNS:,} variables" if columns > MAX_MILP_COLUMNS
                 else f"{MAX_MILP_NONZEROS:,} non-zeros")
        raise InputError(
            f"{src}: the shift scheduling problem would have about {what} ({shifts:,.0f} shifts over "
            f"{h.n_slots:,} slots of {format_duration(slot)}), beyond staffsim's limit of {limit}; the "
            f"largest part is {biggest[0]}; use a coarser start_step or break step, fewer templates or "
            "a shorter horizon")
    return {"shifts": shifts, "columns": columns, "nonzeros": nonzeros, "tours": tours}
