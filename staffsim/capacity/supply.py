r"""Supply: people on each team week by week — starters, training, ramp-up, leavers, transfers.

Everyone belongs to a *cohort*: people who started together (the staff at week 1 by tenure, each
hiring class, each group transferred in) with one FTE per person. A person's *tenure* in week w
is ``w - s`` for a cohort starting in week s (0 in their first week). The rules, week by week:

1. **Starters** join at the start of their class's week: a class of 10 in week 10 is on the
   payroll from week 10 (``hires`` counts them in week 10).
2. **Transfers** move at the start of their week, taking the donor team's fully productive
   people (past training and ramp), longest-serving cohorts first; they keep their FTE, spend
   the transfer's ``training_weeks`` off the phones in the new team, then follow its ``ramp``.
3. **Productivity** of a person with tenure k: 0 while k < training_weeks (in training, off the
   phones), then ``ramp[k - training_weeks]`` for the ramp's weeks, then 1. A productivity p
   means handling p times a trained agent's contacts per hour (an AHT of AHT/p), so the person
   counts as p productive FTE.
4. **Leavers**: everyone on the payroll in week w, trainees included, leaves at the *end* of
   week w with the weekly attrition rate for their tenure (``attrition.early`` while tenure <
   ``early.weeks``; transferred people count as long-serving). They work week w in full and are
   gone from week w + 1. A monthly rate m is the weekly rate 1 - (1 - m)^{12/52}.

So without starters or transfers, people in week w + 1 = people in week w - leavers in week w,
and in expectation N(1 - r)^w remain after w weeks. The expected projection carries fractional
people; the Monte Carlo draws whole leavers, Binomial(people, rate), per cohort and week.

Per team and week the projection gives ``headcount`` (people on the payroll), ``paid_fte`` (Σ
people × FTE), ``productive_paid_fte`` (Σ people × FTE × productivity: paid FTE a fully trained
team would be worth, before shrinkage), ``in_training``, ``ramping`` (people with 0 <
productivity < 1), ``leavers``, ``hires``, ``transfers_in``, ``transfers_out``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from staffsim.capacity.schema import PlanSpec, TeamSpec
from staffsim.rng import stream

#: tenure of long-serving people (fully productive, past any early-attrition window)
LONG_TENURE = 10**6

QUANTITIES = ("headcount", "paid_fte", "productive_paid_fte", "in_training", "ramping", "leavers",
              "hires", "transfers_in", "transfers_out")


@dataclass(frozen=True)
class Cohort:
    """People who started together. ``start``: the week they join (<= 1 for staff present at
    week 1: 1 - tenure); ``hired``: the week tenure for attrition counts from."""

    key: str
    team: str
    people: int
    fte: float
    start: int
    hired: int
    training_weeks: int
    ramp: tuple[float, ...]
    kind: str  # "staff", "class", "hire" (recommended), "transfer"
    transfer: int | None = None  # index of the transfer that fills it
    donor: str | None = None  # key of the donor cohort it is filled from

    def productivity(self, weeks: int) -> np.ndarray:
        """Productivity in weeks 1..weeks (0 before the cohort is present)."""
        k = np.arange(1, weeks + 1) - self.start
        out = np.ones(weeks)
        out[k < self.training_weeks] = 0.0
        for j, p in enumerate(self.ramp):
            out[k == self.training_weeks + j] = p
        out[k < 0] = 0.0
        return out

    def present(self, weeks: int) -> np.ndarray:
        return np.arange(1, weeks + 1) >= self.start

    def fully_productive_from(self) -> int:
        """First week the cohort is past training and ramp."""
        return self.start + self.training_weeks + len(self.ramp)


def weekly_hazard(team: TeamSpec, tenure: np.ndarray) -> np.ndarray:
    """Weekly leaving rate for each tenure (weeks since hire)."""
    rate = np.full(tenure.shape, team.attrition.per_week())
    early = team.attrition.early
    if early is not None:
        rate[tenure < early.weeks] = early.per_week()
    return rate


def staff_cohorts(name: str, team: TeamSpec) -> list[Cohort]:
    out = []
    for i, c in enumerate(team.headcount):
        start = -LONG_TENURE if c.tenure_weeks is None else 1 - c.tenure_weeks
        out.append(Cohort(key=f"staff{i}", team=name, people=c.people, fte=c.fte, start=start,
                          hired=start, training_weeks=team.training_weeks, ramp=tuple(team.ramp),
                          kind="staff"))
    return out


def class_cohort(name: str, team: TeamSpec, week: int, size: int, fte: float, *, kind: str,
                 key: str, training_weeks: int | None = None,
                 ramp: list[float] | None = None) -> Cohort:
    return Cohort(key=key, team=name, people=int(size), fte=float(fte), start=int(week),
                  hired=int(week),
                  training_weeks=team.training_weeks if training_weeks is None else training_weeks,
                  ramp=tuple(team.ramp if ramp is None else ramp), kind=kind)


def plan_cohorts(spec: PlanSpec, extra: list[Cohort] = ()) -> list[Cohort]:
    """Every cohort of the plan: staff, planned classes, ``extra`` (recommended hires), and one
    receiving cohort per (transfer, donor cohort)."""
    cohorts: list[Cohort] = []
    for name, team in spec.teams.items():
        cohorts += staff_cohorts(name, team)
        for k, c in enumerate(team.classes):
            cohorts.append(class_cohort(name, team, c.week, c.size, c.fte, kind="class",
                                        key=f"class{k}", training_weeks=c.training_weeks, ramp=c.ramp))
    cohorts += list(extra)
    for k, t in enumerate(spec.transfers):
        donors = [c for c in cohorts if c.team == t.from_ and c.kind != "transfer"]
        for d in donors:
            cohorts.append(Cohort(key=f"transfer{k}:{d.key}", team=t.to, people=0, fte=d.fte,
                                  start=t.week, hired=-LONG_TENURE, training_weeks=t.training_weeks,
                                  ramp=tuple(t.ramp), kind="transfer", transfer=k, donor=d.key))
    return cohorts


@dataclass
class Projection:
    """Per quantity an array (paths, teams, weeks); ``short_transfers`` (transfer index → week
    and people missing, in the expected projection) when a donor team had too few people."""

    teams: list[str]
    values: dict[str, np.ndarray]
    short_transfers: dict[int, float]


def project(spec: PlanSpec, cohorts: list[Cohort], paths: int | None = None,
            seed: int | None = None) -> Projection:
    """Expected values (``paths=None``: one path of fractional people) or ``paths`` Monte Carlo
    paths with binomial leavers drawn from ``staffsim.rng.stream(seed, 0, team, "attrition",
    cohort key)`` (all paths of a cohort from its own stream, so adding a cohort changes no other
    cohort's draws)."""
    W = spec.weeks
    teams = list(spec.teams)
    t_index = {t: i for i, t in enumerate(teams)}
    C = len(cohorts)
    P = 1 if paths is None else int(paths)
    random = paths is not None
    prod = np.array([c.productivity(W) for c in cohorts]).reshape(C, W)
    weeks = np.arange(1, W + 1)
    hazard = np.zeros((C, W))
    for i, c in enumerate(cohorts):
        hazard[i] = weekly_hazard(spec.teams[c.team], weeks - c.hired)
    member = np.zeros((C, len(teams)))
    for i, c in enumerate(cohorts):
        member[i, t_index[c.team]] = 1.0
    fte = np.array([c.fte for c in cohorts])
    gens = ([stream(seed, 0, c.team, "attrition", c.key) for c in cohorts] if random else None)
    key_index = {(c.team, c.key): i for i, c in enumerate(cohorts)}
    receivers: dict[int, list[int]] = {}
    for i, c in enumerate(cohorts):
        if c.kind == "transfer":
            receivers.setdefault(c.transfer, []).append(i)
    n = np.zeros((P, C), dtype=np.int64 if random else float)
    out = {q: np.zeros((P, len(teams), W)) for q in QUANTITIES}
    short: dict[int, float] = {}
    starts = np.array([c.start for c in cohorts])
    for w in range(1, W + 1):
        wi = w - 1
        joining = [i for i, c in enumerate(cohorts)
                   if c.kind != "transfer" and (c.start == w or (w == 1 and c.start <= 1))]
        for i in joining:
            n[:, i] = cohorts[i].people
            if cohorts[i].kind in ("class", "hire") and cohorts[i].start == w:
                out["hires"][:, t_index[cohorts[i].team], wi] += cohorts[i].people
        for k, t in enumerate(spec.transfers):
            if t.week != w:
                continue
            # donors: fully productive cohorts of the from-team, longest-serving first
            recv = sorted(receivers.get(k, []),
                          key=lambda r: starts[key_index[(t.from_, cohorts[r].donor)]])
            remaining = np.full(P, t.people, dtype=n.dtype)
            for r in recv:
                d = key_index[(t.from_, cohorts[r].donor)]
                if cohorts[d].fully_productive_from() > w:
                    continue
                take = np.minimum(n[:, d], remaining)
                n[:, d] -= take
                n[:, r] += take
                remaining -= take
                out["transfers_out"][:, t_index[t.from_], wi] += take
                out["transfers_in"][:, t_index[t.to], wi] += take
            if not random and remaining[0] > 1e-9:
                short[k] = float(remaining[0])
        nf = n.astype(float)
        present = nf > 0
        out["headcount"][:, :, wi] = nf @ member
        out["paid_fte"][:, :, wi] = (nf * fte) @ member
        out["productive_paid_fte"][:, :, wi] = (nf * (fte * prod[:, wi])) @ member
        training = (prod[:, wi] == 0) & (starts <= w)
        out["in_training"][:, :, wi] = (nf * training) @ member
        ramping = (prod[:, wi] > 0) & (prod[:, wi] < 1)
        out["ramping"][:, :, wi] = (nf * ramping) @ member
        # leavers at the end of the week
        if random:
            leave = np.zeros_like(n)
            for i in np.flatnonzero(present.any(axis=0) & (hazard[:, wi] > 0)):
                leave[:, i] = gens[i].binomial(n[:, i], hazard[i, wi])
        else:
            leave = n * hazard[:, wi]
        n = n - leave
        out["leavers"][:, :, wi] = leave.astype(float) @ member
    return Projection(teams=teams, values=out, short_transfers=short)


def unit_contribution(spec: PlanSpec, cohort: Cohort) -> tuple[np.ndarray, np.ndarray]:
    """Expected (productive paid FTE, paid FTE) per week of one person of ``cohort``, attrition
    included (survival to week w times FTE times productivity)."""
    W = spec.weeks
    weeks = np.arange(1, W + 1)
    hazard = weekly_hazard(spec.teams[cohort.team], weeks - cohort.hired)
    present = cohort.present(W)
    survive = np.zeros(W)
    alive = 1.0
    for wi in range(W):
        if present[wi]:
            survive[wi] = alive
            alive *= 1.0 - hazard[wi]
    return survive * cohort.fte * cohort.productivity(W), survive * cohort.fte
