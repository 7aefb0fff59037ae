"""Why a seat could not be staffed: for each open kind, who has the skill and what keeps each of
them from taking it (on leave, not available then, contract too short, or — in the solution —
already working that day, weekly hours or days full, rest, consecutive days, days off)."""

from __future__ import annotations

from staffsim.people.plan import DAY_S, Kind, Plan
from staffsim.units import format_clock


def _why_not(plan: Plan, p: int, k: Kind, works: list[int]) -> str:
    """The first reason (in the solution ``works``) why person p does not take a seat of k."""
    a = plan.people[p]
    if a.on_leave(k.date):
        return "on leave"
    if not a.available(k.date.weekday(), k.start, k.end):
        return "not available then"
    if k.hours > a.week_hours_max + 1e-9:
        return f"contract too short ({a.week_hours_max:g} h a week)"
    mine = [plan.kinds[j] for j in works]
    same = [j for j in mine if j.pday == k.pday]
    if same:
        return f"works {format_clock(same[0].start)}-{format_clock(same[0].end)} that day"
    for j in mine:
        gap = (k.pday - j.pday) * DAY_S + k.start - j.end if j.pday < k.pday else \
            (j.pday - k.pday) * DAY_S + j.start - k.end
        if abs(j.pday - k.pday) <= 2 and gap < plan.rest_s - 1e-9:
            return f"rest: {gap / 3600:g} h from the shift of {j.date.isoformat()}"
    lo = (k.pday // 7) * 7
    hi = min(lo + 7, plan.n_days)
    week = [j for j in mine if lo <= j.pday < hi]
    hours = sum(j.hours for j in week)
    if hours + k.hours > a.week_hours_max + 1e-9:
        return f"contract full ({hours:g} of {a.week_hours_max:g} h that week)"
    if len(week) >= a.days_max:
        return f"contract full ({len(week)} of {a.days_max} days that week)"
    days = {j.pday for j in mine} | {k.pday}
    run, d = 1, k.pday - 1
    while d in days:
        run, d = run + 1, d - 1
    d = k.pday + 1
    while d in days:
        run, d = run + 1, d + 1
    if run > a.max_consecutive_days:
        return f"would work {run} days in a row (at most {a.max_consecutive_days})"
    if a.days_off_together >= 2 and hi - lo == 7:
        off = [d not in days for d in range(lo, hi)]
        if not any(all(off[j:j + a.days_off_together]) for j in range(7 - a.days_off_together + 1)):
            return f"would lose the {a.days_off_together} days off together that week"
    return "free (the solver stopped before using this person)"


def diagnose(plan: Plan, works: dict[int, list[int]], opens: dict[int, int]) -> list[dict]:
    """One record per open kind: the kind, seats open and the reasons, people named."""
    out = []
    for k_index, n_open in sorted(opens.items()):
        k = plan.kinds[k_index]
        skilled = [p for p, a in enumerate(plan.people) if all(s in a.skills for s in k.skills)]
        if not skilled:
            reason = f"no one has the skill {' + '.join(k.skills)}"
        else:
            why: dict[str, list[str]] = {}
            for p in skilled:
                if k_index in works.get(p, []):
                    why.setdefault("takes another seat of this shift", []).append(plan.people[p].id)
                    continue
                why.setdefault(_why_not(plan, p, k, works.get(p, [])), []).append(plan.people[p].id)
            parts = [f"{r}: {', '.join(ids)}" for r, ids in why.items()]
            reason = (f"{len(skilled)} people have the skill {' + '.join(k.skills)}; "
                      + "; ".join(parts))
        out.append({"date": k.date.isoformat(), "weekday": k.label.split()[0], "team": k.team,
                    "template": k.template, "start": format_clock(k.start), "end": format_clock(k.end),
                    "seats": k.demand, "seats_open": n_open, "reason": reason, "shift": k.label})
    return out
