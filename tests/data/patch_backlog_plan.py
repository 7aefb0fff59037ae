"""How the reference tables were patched when backlog channels joined the one Erlang plan (issue 21,
item 6: ``run``'s plan and ``staffing: plan`` plan email as backlog, as ``requirement --method
erlang`` did).

The reference tables (tests/data/main_tables, tests/data/before, tests/golden) were written by
main's code at 371e9a8. This script reruns each case with the code under test and replaces only
the cells that moved, keeping every other cell's text as 371e9a8 wrote it; it refuses (prints the
rows and writes nothing for that file) when a cell moves outside the rows the change is meant to
move: the plan rows of the email channel; in a scenario whose email team is staffed from plan
(bank, web_outage, bank_file), the simulated rows of email, of the pooled ``all`` rows and of the
back_office group (and the email contacts). Everything else (voice, chat, whatsapp rows, every
table of travel_agency's and automation's simulations, kitchen_sink's simulation) held bit for bit.

    PYTHONPATH=. python tests/data/patch_backlog_plan.py            # report only
    PYTHONPATH=. python tests/data/patch_backlog_plan.py --write    # and patch
"""
import csv
import gzip
import io
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests")); sys.path.insert(0, str(ROOT / "tests" / "data"))
from staffsim import load_scenario, simulate


def rows(text):
    return list(csv.reader(io.StringIO(text)))

def same(a, b, tol):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a.lower() in ("true", "1.0") and b.lower() in ("true", "1.0") or False
    if math.isnan(x) and math.isnan(y):
        return True
    return (x == y) or (tol and abs(x - y) <= tol * abs(x))

def patch(old_text, new_text, what, allowed, tol):
    old, new = rows(old_text), rows(new_text)
    assert len(old) == len(new), (what, len(old), len(new))
    oh, nh = old[0], new[0]
    idx = [nh.index(c) for c in oh]
    moved = 0
    out = [oh]
    bad = []
    for r, (o, n) in enumerate(zip(old[1:], new[1:])):
        rec_new = dict(zip(nh, n))
        diff = [c for c, j in zip(oh, idx) if not same(o[oh.index(c)], n[j], tol)]
        if diff:
            if not allowed(rec_new):
                bad.append((r, diff[:5], {k: rec_new.get(k) for k in ("channel", "group", "replication", "slot_start")}))
            moved += 1
            out.append([n[j] for j in idx])
        else:
            out.append(o)
    if bad:
        print(f"{what}: {len(bad)} rows moved outside the expected ones, e.g. {bad[:3]}")
    print(f"{what}: {moved} of {len(old) - 1} rows moved")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(out)
    return buf.getvalue(), not bad, moved

def email_only(rec):
    return rec.get("channel") == "email"

def sim_allowed(plan_email_groups, pooled=True):
    def ok(rec):
        ch = rec.get("channel")
        if ch is not None:
            return ch == "email" or ch in ("all", "", "*", "(all)")
        return rec.get("group") in plan_email_groups
    return ok

def main(write=False):
    import make_main_tables as mm
    from make_before_tables import CASES as BCASES
    from make_before_tables import FILE_VOLUMES
    ok_all = True
    report = []
    # tests/data/main_tables
    for name in mm.CASES:
        stem = Path(name).stem
        texts = mm.tables(name)
        for key, text in texts.items():
            path = ROOT / "tests/data/main_tables" / f"{stem}.{key}.csv"
            if key == "plan":
                allowed, tol = email_only, 1e-12
            elif stem == "kitchen_sink":  # the plan-staffed group 'back' serves email and chat
                allowed, tol = (lambda rec: True), 0.0
            elif stem == "bank":
                allowed, tol = sim_allowed({"back_office"}), 0.0
            else:  # travel_agency: no group staffed from plan: the simulation must not move
                allowed, tol = (lambda rec: False), 0.0
            new, ok, moved = patch(path.read_text(), text, f"main_tables/{path.name}", allowed, tol)
            ok_all &= ok
            if moved:
                report.append(path.name)
                if write and ok:
                    path.write_text(new)
    # tests/data/before
    for name, (file, reps) in BCASES.items():
        sc = load_scenario(ROOT / "scenarios" / file, FILE_VOLUMES if name == "bank_file" else None)
        if name == "bank_file":
            sc = load_scenario(ROOT / "scenarios" / file, {k: {**v, "aht": False} for k, v in FILE_VOLUMES.items()})
        res = simulate(sc, replications=reps, seed=2026, jobs=1, progress=False, contacts=True)
        for table, frame in (("slots", res.slots), ("groups", res.groups),
                             ("per_replication", res.per_replication), ("plan", res.plan),
                             ("contacts", res.contacts)):
            gz = table == "contacts"
            path = ROOT / "tests/data/before" / f"{name}_{table}{'.csv.gz' if gz else '.csv'}"
            old = gzip.decompress(path.read_bytes()).decode() if gz else path.read_text()
            text = frame.to_csv(index=False, float_format="%.17g")
            if table == "plan":
                allowed, tol = email_only, 1e-12
            elif name in ("bank", "bank_file"):
                allowed, tol = sim_allowed({"back_office"}), 0.0
            else:
                allowed, tol = (lambda rec: False), 0.0
            new, ok, moved = patch(old, text, f"before/{path.name}", allowed, tol)
            ok_all &= ok
            if moved:
                report.append(path.name)
                if write and ok:
                    path.write_bytes(gzip.compress(new.encode(), mtime=0) if gz else new.encode())
    print("all moves where expected:", ok_all)
    print("files moved:", report)



def golden(write=False):
    """tests/golden (test_behaviours_off.py): bank and web_outage staff email from plan."""
    cases = [("bank.yaml", 2, False), ("web_outage.yaml", 2, False), ("travel_agency.yaml", 2, True),
             ("automation.yaml", 2, False)]
    ok_all, report = True, []
    for name, reps, contacts in cases:
        res = simulate(load_scenario(ROOT / "scenarios" / name), replications=reps, jobs=1, contacts=contacts,
                       progress=False)
        stem = name.removesuffix(".yaml")
        tables = {"slots": res.slots, "per_replication": res.per_replication, "groups": res.groups}
        if contacts:
            tables["contacts"] = res.contacts
        for key, frame in tables.items():
            path = ROOT / "tests/golden" / f"{stem}.{key}.csv.gz"
            old = gzip.decompress(path.read_bytes()).decode()
            allowed = sim_allowed({"back_office"}) if stem in ("bank", "web_outage") else (lambda rec: False)
            new, ok, moved = patch(old, frame.to_csv(index=False, float_format="%.17g"), f"golden/{path.name}",
                                   allowed, 0.0)
            ok_all &= ok
            if moved:
                report.append(path.name)
                if write and ok:
                    path.write_bytes(gzip.compress(new.encode(), mtime=0))
    print("all moves where expected:", ok_all)
    print("files moved:", report)


if __name__ == "__main__":
    main(write="--write" in sys.argv)
    golden(write="--write" in sys.argv)
