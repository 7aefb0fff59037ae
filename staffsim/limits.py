"""The stated limits of staffsim's inputs (the README's "Reliability" section lists them).

Each limit keeps an answer in bounded time and memory, or marks where accuracy is verified; an
input beyond one is refused with a message naming the field and the limit, never left to hang,
run out of memory or overflow. They are far beyond any real contact center.
"""

from __future__ import annotations

#: Offered traffic of one slot, in Erlangs (volume x AHT / slot length, x stretch for chat).
MAX_TRAFFIC = 1e7
#: Agents (servers) in one slot of the analytic models, and any staffing search's answer.
MAX_AGENTS = 1e9
#: Mean patience over handle time in Erlang A (beyond, use infinite patience: Erlang C).
MAX_PATIENCE_RATIO = 1e50
#: Rows of an ``erlang --agents LO:HI`` table.
MAX_TABLE_ROWS = 10_000
#: Chats an agent holds at once, and the handle-time stretch of holding them.
MAX_CONCURRENCY = 100
MAX_CONCURRENCY_STRETCH = 100.0

#: Contacts offered (first attempts, volume x volume_factor) on one day of a simulated
#: replication: a day's contacts are drawn and held at once (~1 KB each); what is over is folded
#: into per-slot figures at every midnight, so a long horizon does not add up.
MAX_CONTACTS_PER_DAY = 2_000_000
#: Contacts offered in one simulated replication over the whole horizon (~15 minutes of
#: simulation at ~120,000 contacts a second).
MAX_CONTACTS = 100_000_000
#: Contacts in the per-contact log (``contacts=True``, ``run --contacts``): it keeps every attempt.
MAX_CONTACTS_LOGGED = 2_000_000
#: Slots in a scenario's horizon (a year of 5-minute slots is 105,120).
MAX_SLOTS = 200_000
#: Agents on shifts (all groups and shifts together), and agents per slot in a staffing list.
MAX_SCENARIO_AGENTS = 100_000
#: Replications of one run.
MAX_REPLICATIONS = 100_000

#: YAML files (scenarios, targets): size, values that aliases (``*name``) may add, nesting depth.
MAX_YAML_BYTES = 20_000_000
MAX_ALIAS_VALUES = 1_000_000
#: Rows of a forecast file.
MAX_FORECAST_ROWS = 2_000_000

# --- harden-answers: bounds that keep answers exact (issue 22) ---------------------------------
#: People in one hiring class (``hiring.max_class``). The hiring MILP links a class's size x to
#: whether it runs (y) by x <= max_class * y; HiGHS accepts y within 1e-6 of an integer, so a
#: bound of M lets a "class" of M * 1e-6 people ride on a class that does not run. At 10,000 that
#: is 0.01 person (rounded away); at 1e8 it was 100 people and the plan came back empty.
MAX_CLASS_SIZE = 10_000
#: Coefficient of variation of a duration distribution (handle time, patience, appointment
#: length, lateness, delays), given as ``cv`` (lognormal, gamma) or implied by a Weibull
#: ``shape`` (shape 0.128 is cv 100). Measured handle times and patience have cv 0.3-3; at 100 a
#: gamma draw exceeds its mean about once in 1,200, so the mean already rests on rare draws, and
#: a Weibull shape of 0.001 overflowed Γ(1 + 1/shape) into NaN handle times.
MAX_CV = 100.0
#: Coefficient of variation of the forecast-error multiplier (``volume_uncertainty.cv``), a
#: mean-1 gamma of shape 1/cv². Real forecast errors are 5-30%. At cv 3 about half the days
#: already draw under 1% of the forecast; at 1e6 every day drew 0 (the mean of 1 rested on days rarer
#: than 1 in 10^12), silently a channel with no volume.
MAX_VOLUME_CV = 3.0
#: Money rates (per hour, per hire, per agent-slot short, per contact) in scenario ``costs``,
#: rules and capacity plans, in the file's currency. They are the integer programs' objective
#: coefficients: HiGHS works in double precision with tolerances near 1e-6 of a coefficient, and
#: at 1e9 an hour it reported an LP bound of -inf; at 1e300 it failed outright (reported as "no
#: roster within the time limit"). A million per unit is beyond any wage or penalty.
MAX_RATE = 1e6
#: People in one headcount group, planned class or transfer of a capacity plan, and hours a week
#: one team needs (1e8 hours is about 2.7 million FTE). Beyond, the hiring MILP's right-hand
#: sides outgrow its tolerances: 1e12 hours a week planned no class at all and called it
#: optimal; 1e300 failed and was reported as a time limit.
MAX_TEAM_PEOPLE = 10_000_000
MAX_WEEKLY_HOURS = 1e8
# --- sizes bounded before work starts (issue 22): joint sizes, not per dimension --------------
#: Memory one command's main arrays may take; every joint size below derives from it, so that no
#: command asks for more than 2 GB (this plus the interpreter, numpy, pandas and SimPy) on an
#: input that passes validation.
MEMORY_BUDGET_BYTES = 1_500_000_000
#: Bytes the results of one replication hold per row (channel, segment or group) x slot x KPI,
#: counting the copy made when replications are stacked into means and half-widths.
RESULT_BYTES_PER_CELL = 16
#: Bytes a capacity Monte Carlo run holds per path x team x week (measured ~160; a plan runs two).
MC_BYTES_PER_CELL = 200
#: Values of one swept parameter (start:stop:step or a comma list).
MAX_SWEEP_VALUES = 1000
#: Attempts of one contact (retrial.max_attempts) and dials of one callback
#: (callbacks.max_attempts): every attempt is drawn and held (and dials are events).
MAX_ATTEMPTS = 100
#: An event's volume_factor (a day's contacts with it stay under MAX_CONTACTS_PER_DAY too).
MAX_EVENT_VOLUME_FACTOR = 1000.0
#: Weeks of one ramp step (a capacity plan has at most 520 weeks).
MAX_RAMP_WEEKS = 520


def memory_text(n_bytes: float) -> str:
    """A memory figure as people read it: ``3.9 GB``, ``512 MB``."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n_bytes >= size:
            return f"{n_bytes / size:,.1f} {unit}"
    return f"{n_bytes / 1e3:,.0f} kB"
#: The shift scheduling integer program: variables (shifts, break placements, tours) and
#: non-zeros of its constraints (built as Python dicts first: a few hundred bytes each).
MAX_MILP_COLUMNS = 200_000
MAX_MILP_NONZEROS = 1_000_000
#: Tour work patterns x days of the horizon (or of the cycle), held while tours are laid out.
MAX_TOUR_PATTERNS = 1_000_000
