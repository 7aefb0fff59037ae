"""Silent wrong answers (issue 22): each case here gave a plausible but wrong figure, with no
error, before it was fixed. The expected values are worked out by hand in each test."""

import numpy as np
import pytest

from staffsim import InputError, scenario_from_dict, simulate


def _booked(times, *, grace, no_show=1.0, end="11:00", drain=0, agents=1):
    """``agents`` agents (default one), appointments booked at ``times``, 20-minute appointments, no live work."""
    return scenario_from_dict({
        "name": "grace past the end",
        "horizon": {"start": "08:00", "end": end, "slot": "1h"},
        "channels": {"video": {"kind": "appointment", "booked": list(times),
                               "length": {"dist": "deterministic", "mean": 1200},
                               "no_show": no_show, "grace": grace,
                               "target": {"service_level": 0.9, "threshold": "2min"}}},
        "agents": [{"group": "team", "skills": ["video"],
                    "shifts": [{"start": "08:00", "end": end, "agents": agents}]}],
        "run": {"replications": 1, "seed": 1, "drain": drain},
    })


def test_a_no_show_whose_grace_runs_past_the_end_of_the_run_is_a_no_show(monkeypatch):
    # every customer stays away (no_show 1); the agent waits 61 minutes for each. The 09:00
    # booking is given up at 10:01; the 10:30 booking's grace would end at 11:31, after the run
    # (close 11:00, no drain): it was counted as a show before (answered 1, show rate 1).
    monkeypatch.setenv("STAFFSIM_AUDIT", "1")
    sc = _booked(["09:00", "10:30"], grace="61min")
    row = simulate(sc, replications=1).per_replication.set_index("channel").loc["video"]
    assert row["no_shows"] == 2
    assert row["shows"] == 0
    assert row["answered"] == 0
    # agent minutes lost: 61 for the first, 30 (10:30 to the end of the run at 11:00) for the second
    assert row["no_show_minutes"] == pytest.approx(61 + 30, abs=1e-9)


def test_no_shows_do_not_depend_on_the_grace_when_nobody_comes(monkeypatch):
    # six bookings, six agents (each booking is taken at its time), nobody comes: six no-shows
    # whatever the grace (45 minutes used to give 3.25 of 6 in a day like this)
    monkeypatch.setenv("STAFFSIM_AUDIT", "1")
    times = ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"]
    for grace in ("5min", "45min", "61min", "3h"):
        row = simulate(_booked(times, grace=grace, agents=6), replications=1).per_replication \
            .set_index("channel").loc["video"]
        assert (row["no_shows"], row["shows"], row["answered"]) == (6, 0, 0), grace


def test_a_customer_who_comes_is_still_a_show():
    row = simulate(_booked(["10:30"], grace="61min", no_show=0.0), replications=1) \
        .per_replication.set_index("channel").loc["video"]
    assert (row["shows"], row["no_shows"]) == (1, 0)


def test_an_infinite_grace_is_refused_naming_the_field():
    with pytest.raises(InputError, match=r"grace.*finite"):
        _booked(["09:00"], grace="inf")
    with pytest.raises(InputError, match=r"grace.*finite"):
        _booked(["09:00"], grace=float("inf"))


# --- capacity: a huge max_class gave "no new classes" while short 51 of 52 weeks -------------

def _hiring_plan(max_class):
    # 1,500 hours a week to cover with 30 people of 37.5 hours, 10% shrinkage: 30 x 37.5 x 0.9 =
    # 1,012.5 hours, short from week 1. A class may start from week 2 (lead 1 week, no training):
    # only week 1 is out of reach, so the plan must close weeks 2-52.
    return {"name": "t", "start_date": "2027-01-04", "weeks": 52, "fte_hours": 37.5,
            "teams": {"front": {"required_hours": 1500,
                                "shrinkage": {"holidays": 0.06, "sickness": 0.04}, "headcount": 30,
                                "hiring": {"lead_weeks": 1, "min_class": 1, "max_class": max_class,
                                           "cost_per_hire": 500, "cost_per_hour": 25}}}}


def test_the_largest_class_allowed_still_closes_every_reachable_week():
    from staffsim import capacity
    from staffsim.limits import MAX_CLASS_SIZE
    for max_class in (30, MAX_CLASS_SIZE):
        res = capacity(_hiring_plan(max_class))
        rec = res.recommended[res.recommended["team"] == "front"]
        short = rec["short_fte"].to_numpy()
        assert short[0] > 0 and (short[1:] < 1e-6).all(), max_class
        # (1500 / (37.5 x 0.9) = 44.44 people needed: 15 hires on top of 30)
        assert res.classes["size"].sum() == 15


def test_a_max_class_beyond_the_stated_limit_is_refused_naming_the_field():
    from staffsim import capacity
    with pytest.raises(InputError, match=r"teams\.front\.hiring\.max_class: .*10000"):
        capacity(_hiring_plan(10**8))


# --- distributions and forecast error: bounds instead of NaN or a silent zero -----------------

BANK = {"name": "t", "horizon": {"start": "08:00", "end": "10:00", "slot": "1h"},
        "channels": {"voice": {"volume": [10, 20], "handle_time": "180s",
                               "target": {"service_level": 0.8, "threshold": "20s"}}},
        "agents": [{"group": "g", "skills": ["voice"],
                    "shifts": [{"start": "08:00", "end": "10:00", "agents": 3}]}]}


def _with(**voice):
    import copy
    d = copy.deepcopy(BANK)
    d["channels"]["voice"].update(voice)
    return d


@pytest.mark.parametrize("spec, match", [
    ({"dist": "weibull", "mean": 300, "shape": 0.001},
     r"channels\.voice\.handle_time: weibull: shape 0\.001 gives a coefficient of variation too large"),
    ({"dist": "weibull", "mean": 300, "shape": 0.1},
     r"channels\.voice\.handle_time: weibull: shape 0\.1 gives a coefficient of variation of 4\d\d"),
    ({"dist": "lognormal", "mean": 300, "cv": 1000}, r"channels\.voice\.handle_time: lognormal: cv 1000"),
    ({"dist": "gamma", "mean": 300, "cv": 101}, r"channels\.voice\.handle_time: gamma: cv 101"),
    ({"dist": "lognormal", "mean": 1e300, "cv": 1}, r"channels\.voice\.handle_time: .*not finite"),
])
def test_a_distribution_beyond_the_limits_is_refused_naming_the_field(spec, match):
    with pytest.raises(InputError, match=match):
        scenario_from_dict(_with(handle_time=spec))


def test_the_weibull_limit_is_where_its_cv_reaches_max_cv():
    # cv² = Γ(1 + 2/k) / Γ(1 + 1/k)² − 1, computed here with mpmath: shape 0.13 is inside
    # (cv ≈ 92.5), 0.125 outside (cv ≈ 117)
    import mpmath as mp

    from staffsim.limits import MAX_CV

    def cv(k):
        return float(mp.sqrt(mp.gamma(1 + 2 / mp.mpf(k)) / mp.gamma(1 + 1 / mp.mpf(k)) ** 2 - 1))

    assert cv(0.13) < MAX_CV < cv(0.125)
    scenario_from_dict(_with(patience={"dist": "weibull", "mean": 150, "shape": 0.13}))
    with pytest.raises(InputError, match="MAX_CV"):
        scenario_from_dict(_with(patience={"dist": "weibull", "mean": 150, "shape": 0.125}))


def test_every_draw_of_an_accepted_distribution_is_finite():
    # at the limits: the largest spread accepted gives finite, non-negative handle times
    from staffsim.rng import stream
    for spec in ({"dist": "weibull", "mean": 300, "shape": 0.13}, {"dist": "lognormal", "mean": 300, "cv": 100},
                 {"dist": "gamma", "mean": 300, "cv": 100}):
        sc = scenario_from_dict(_with(handle_time=spec))
        d = sc.spec.channels["voice"].handle_time.to_distribution()
        x = d.sample(stream(1, 0, "voice", "handle", 0), 200_000)
        assert np.isfinite(x).all() and (x >= 0).all()
        assert x.max() <= d.largest_draw()


def test_a_forecast_error_beyond_its_limit_is_refused():
    # cv 1e6 drew a multiplier of 0 on every day: a channel with no volume, silently
    with pytest.raises(InputError, match=r"channels\.voice\.volume_uncertainty\.cv: must be <= 3"):
        scenario_from_dict(_with(volume_uncertainty={"cv": 1e6}))
    scenario_from_dict(_with(volume_uncertainty={"cv": 3}))


@pytest.mark.parametrize("field, value", [("volume_factor", float("nan")), ("volume_factor", float("inf")),
                                          ("concurrency_stretch", float("nan"))])
def test_nan_and_infinities_are_refused_in_every_scenario_number(field, value):
    with pytest.raises(InputError, match=rf"channels\.voice\.{field}: must be a finite number"):
        scenario_from_dict(_with(**{field: value}))


def test_costs_refuse_infinite_rates_naming_the_field():
    d = _with()
    d["costs"] = {"agent_hour": float("inf")}
    with pytest.raises(InputError, match=r"costs\.agent_hour: must be a finite number"):
        scenario_from_dict(d)


# --- erlang: scheduled agents rounded exactly ------------------------------------------------

def test_scheduled_agents_is_the_exact_ceiling():
    from fractions import Fraction

    from staffsim.models.staffing import scheduled_agents
    # 10^9 agents with no shrinkage used to be 999,999,999 scheduled (a relative 1e-9 tolerance)
    assert scheduled_agents(np.array([10**9]), 0.0)[0] == 10**9
    rng = np.random.default_rng(5)
    agents = np.concatenate([rng.integers(0, 10**9, 2000), np.arange(0, 200), [10**9]])
    for s in ("0", "0.3", "0.25", "0.35", "0.1", "0.07", "0.333", "0.99", "0.5"):
        keep = 1 - Fraction(s)
        want = [int(-(-Fraction(int(a)) // keep)) for a in agents]  # ⌈a / (1 − s)⌉, exactly
        got = scheduled_agents(agents, float(s))
        assert got.tolist() == want, s


def test_erlang_cli_schedules_exactly_the_agents_asked(capsys):
    import json

    from staffsim.cli import main
    assert main(["erlang", "--agents", "1000000000", "--volume", "100", "--aht", "180s",
                 "--threshold", "20s", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert row["agents"] == row["scheduled"] == 10**9


def test_capacity_sizes_beyond_the_milps_tolerances_are_refused():
    # 1e12 hours a week planned no class at all and called it optimal; an infinite headcount was
    # an OverflowError traceback
    from staffsim import capacity
    p = _hiring_plan(30)
    p["teams"]["front"]["required_hours"] = 1e12
    with pytest.raises(InputError, match=r"teams\.front: week 1 needs 1e\+12 hours; .*MAX_WEEKLY_HOURS"):
        capacity(p)
    for headcount in (float("inf"), float("nan")):
        p = _hiring_plan(30)
        p["teams"]["front"]["headcount"] = headcount
        with pytest.raises(InputError, match=r"teams\.front\.headcount: must be a whole number of people"):
            capacity(p)
    p = _hiring_plan(30)
    p["teams"]["front"]["headcount"] = 10**12
    with pytest.raises(InputError, match=r"teams\.front\.headcount\.0\.people: must be <= 10000000"):
        capacity(p)
