"""Scenario files: examples, extends:, --set overrides, and readable errors."""

from pathlib import Path

import numpy as np
import pytest

from staffsim import InputError, load_scenario, simulate
from staffsim.experiment import plan_for
from staffsim.scenarios.loader import deep_merge

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))
SCENARIO_FILES = EXAMPLES


def test_every_example_is_covered():
    assert {p.name for p in SCENARIO_FILES} >= {"bank.yaml", "web_outage.yaml", "travel_agency.yaml"}


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_every_example_loads_and_runs(path):
    sc = load_scenario(path)
    res = simulate(sc, replications=2)
    summary = res.summary()
    assert set(summary["channel"]) == set(sc.channels) | {"all"}
    assert (summary.loc[summary.channel != "all", "offered"] > 0).all()
    assert res.seed == sc.spec.run.seed and res.version


def test_extends_merges_and_keeps_the_parent(root):
    outage = load_scenario(root / "scenarios" / "web_outage.yaml")
    bank = load_scenario(root / "scenarios" / "bank.yaml")
    assert outage.spec.agents == bank.spec.agents
    assert outage.spec.channels["voice"].handle_time == bank.spec.channels["voice"].handle_time
    assert outage.volumes["voice"][6] == bank.volumes["voice"][6]  # the event scales the rate
    plan, base_plan = plan_for(outage), plan_for(bank)
    voice, chat = (plan["channel"] == "voice").to_numpy(), (plan["channel"] == "chat").to_numpy()
    assert plan["volume"][voice].iloc[6] == 2 * base_plan["volume"][voice].iloc[6]
    assert plan["volume"][chat].iloc[6:10].eq(0).all() and plan["volume"][chat].iloc[10] > 0
    assert outage.spec.run.replications == 20 and outage.spec.run.seed == bank.spec.run.seed


def test_deep_merge():
    assert deep_merge({"a": {"b": 1, "c": 2}, "l": [1, 2]}, {"a": {"c": 3}, "l": [9]}) == {
        "a": {"b": 1, "c": 3}, "l": [9]}


def test_overrides_are_validated_like_the_file(root):
    bank = root / "scenarios" / "bank.yaml"
    sc = load_scenario(bank, ["channels.voice.self_service.deflection=0.3", "channels.chat.volume_factor=1.3"])
    assert sc.spec.channels["voice"].self_service.deflection == 0.3
    assert np.allclose(sc.volumes["chat"], 1.3 * load_scenario(bank).volumes["chat"])
    sc = load_scenario(bank, {"agents.0.shifts.0.agents": 25})
    assert sc.spec.agents[0].shifts[0].agents == 25
    with pytest.raises(InputError, match=r"bank.yaml: channels.voice.self_service.deflection: must be < 1"):
        load_scenario(bank, ["channels.voice.self_service.deflection=1.5"])
    with pytest.raises(InputError, match=r"channels.voice: unknown field 'colour'"):
        load_scenario(bank, ["channels.voice.colour=red"])
    with pytest.raises(InputError, match=r"agents.0.shifts.9 is not an item of a list with 4"):
        load_scenario(bank, ["agents.0.shifts.9.agents=3"])
    with pytest.raises(InputError, match="expected PATH=VALUE"):
        load_scenario(bank, ["channels.voice"])


BASE = """
name: t
horizon: {start: "08:00", end: "10:00", slot: 1h}
channels:
  voice:
    volume: [10, 20]
    handle_time: {dist: exponential, mean: 3min}
    target: {service_level: 0.8, threshold: 20s}
agents:
  - group: g
    skills: [voice]
    shifts: [{start: "08:00", end: "10:00", agents: 3}]
"""


@pytest.mark.parametrize("change,match", [
    (("voice:", "voice:\n    colour: blue"), r"channels.voice: unknown field 'colour' \(allowed: volume, arrivals"),
    (("mean: 3min", "mean: -5"), r"channels.voice.handle_time.mean: a duration must be >= 0, got -5"),
    (("mean: 3min", "mean: 3 weeks"), r"channels.voice.handle_time.mean: unknown time unit"),
    (("dist: exponential, mean: 3min", "dist: lognormal, mean: 3min"), r"channels.voice.handle_time: lognormal needs cv"),
    (("dist: exponential", "dist: pareto"), r"channels.voice.handle_time.dist: must be one of"),
    (('end: "10:00", agents: 3', 'end: "11:00", agents: 3'), r"agents.0.shifts.0: 08:00-11:00 is outside the horizon"),
    (("skills: [voice]", "skills: [voice, sms]"), r"agents.0.skills: 'sms' is not a channel \(channels: voice\)"),
    (("volume: [10, 20]", "volume: [10, 20, 30]"), r"channels.voice.volume: has 3 values but the horizon 08:00-10:00 has 2 slots"),
    (("volume: [10, 20]", "volume: [10, -20]"), r"channels.voice.volume: .*volume 2 must be a number >= 0"),
    (("volume: [10, 20]", "volume: lots"), r"channels.voice.volume: expected a list of contacts per slot"),
    (("volume: [10, 20]", "volume: [10, x]"), r"channels.voice.volume.1: must be a number, got 'x'$"),
    (("volume: [10, 20]", "volume: {file: f.csv, chanel: v}"),
     r"channels.voice.volume: unknown field 'chanel' \(did you mean 'channel'\? allowed: file, channel, aht, dayfirst, tz, sheet\)$"),
    (("service_level: 0.8", "service_level: 80"), r"channels.voice.target.service_level: must be < 1, got 80"),
    (('start: "08:00", end: "10:00", slot', 'start: "08:00", end: "10:00", slot'), None),
    (("agents: 3}]", "agents: 3, breaks: [{start: \"09:50\", length: 30min}]}]"), r"agents.0.shifts.0.breaks: the break at 09:50"),
    # YAML reads an unquoted 8:00 as the number 480 (base 60): say so rather than guess
    (('horizon: {start: "08:00"', "horizon: {start: 8:00"), r"horizon.start: write clock times in quotes"),
    (("slot: 1h", "slot: 50min"), r"horizon: the day 08:00-10:00 is not a whole number of 3000s slots"),
    (("name: t", "name: t\nabsence: 1.2"), r"absence: must be < 1"),
    (("    skills: [voice]\n", "    skills: [voice]\n    staffing: plan\n"), r"agents.0: give either shifts or staffing"),
    (("    shifts: [{start: \"08:00\", end: \"10:00\", agents: 3}]",
      "    staffing: plan\n  - {group: h, skills: [voice], staffing: plan}"), r"channels.voice: two groups staffed from plan"),
])
def test_bad_scenarios_name_file_and_field(tmp_path, change, match):
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace(*change))
    if match is None:
        load_scenario(path)  # the unchanged base is valid
        return
    with pytest.raises(InputError, match=match) as info:
        load_scenario(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_malformed_yaml_and_missing_files(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: t\nchannels: [1, 2\n")
    with pytest.raises(InputError, match=r"bad.yaml: line \d+, column \d+: invalid YAML"):
        load_scenario(path)
    with pytest.raises(InputError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    path.write_text("extends: missing.yaml\nname: x\n")
    with pytest.raises(InputError, match="extends: file .*missing.yaml.* not found"):
        load_scenario(path)
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: b.yaml\n")
    b.write_text("extends: a.yaml\n")
    with pytest.raises(InputError, match="cycle"):
        load_scenario(a)


def test_volumes_from_a_forecast_file(tmp_path, root):
    (tmp_path / "f.csv").write_text("channel,slot_start,volume,aht_s\nvoice,08:00,12,180\nvoice,09:00,7,180\n")
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("volume: [10, 20]", "volume: {file: f.csv}"))
    assert list(load_scenario(path).volumes["voice"]) == [12.0, 7.0]
    (tmp_path / "f.csv").write_text("channel,slot_start,volume,aht_s\nvoice,08:00,12,180\nvoice,09:00,7,180\nvoice,10:00,7,180\n")
    with pytest.raises(InputError, match=r"channels.voice.volume: .*f.csv has a row for 'voice' at 10:00, outside the opening hours 08:00-10:00"):
        load_scenario(path)


def test_empirical_distribution_from_csv(tmp_path):
    (tmp_path / "aht.csv").write_text("handle\n100\n200\n3:00\n")
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("{dist: exponential, mean: 3min}", "{dist: empirical, file: aht.csv, column: handle}"))
    d = load_scenario(path).handle_time("voice")
    assert d.values == (100.0, 200.0, 180.0) and d.mean == pytest.approx(160.0)
    path.write_text(BASE.replace("{dist: exponential, mean: 3min}", "{dist: empirical, file: aht.csv, column: x}"))
    with pytest.raises(InputError, match="has no column 'x'"):
        load_scenario(path)
