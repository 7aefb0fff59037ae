"""The Anonymous Bank converter (benchmarks/data/anonymous_bank_contacts.py) on a hand-made month
file: waits and talk times are the recorded durations, midnight is crossed, and every record
left out is counted; the log it writes is read and fitted by staffsim."""

import importlib.util
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
HEADER = ("vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\tq_start\t"
          "q_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver\n")
ROWS = [
    # answered after 17 s in queue (ser_start one second before q_exit, as in the data)
    "AA0101\t1\t27997683\t2\tPS\t990101\t6:55:20\t6:55:26\t6\t6:55:26\t6:55:43\t17\tAGENT\t6:55:42\t6:56:36\t54\tMICHAL",
    # answered at once (q_time 0, q_start blank as 0:00:00)
    "AA0101\t2\t0\t0\tPS\t990101\t7:41:16\t7:41:26\t10\t0:00:00\t0:00:00\t0\tAGENT\t7:41:25\t7:44:53\t208\tBASCH",
    # abandoned after 153 s in queue
    "AA0101\t3\t9664491\t1\tPS\t990101\t9:00:31\t9:00:36\t5\t9:00:36\t9:03:09\t153\tHANG\t0:00:00\t0:00:00\t0\tNO_SERVER",
    # hung up in the voice menu: never queued
    "AA0101\t4\t0\t0\tPS\t990101\t9:34:12\t9:34:23\t11\t0:00:00\t0:00:00\t0\tHANG\t0:00:00\t0:00:00\t0\tNO_SERVER",
    # phantom
    "AA0101\t5\t0\t0\tPS\t990101\t9:40:00\t9:40:05\t5\t0:00:00\t0:00:00\t0\tPHANTOM\t0:00:00\t0:00:00\t0\tNO_SERVER",
    # answered across midnight: queued 23:59:50 for 20 s, talks 100 s
    "AA0101\t6\t555\t1\tPS\t990101\t23:59:44\t23:59:50\t6\t23:59:50\t0:00:10\t20\tAGENT\t0:00:09\t0:01:49\t100\tDANA",
    # inconsistent: service start 10 minutes away from queue entry + q_time
    "AA0101\t7\t777\t1\tPS\t990101\t10:00:00\t10:00:05\t5\t10:00:05\t10:00:15\t10\tAGENT\t10:10:15\t10:11:15\t60\tDANA",
    # another service type: not asked for
    "AA0101\t8\t888\t1\tNW\t990101\t11:00:00\t11:00:05\t5\t11:00:05\t11:00:15\t10\tAGENT\t11:00:14\t11:01:14\t60\tDANA",
]


def _converter():
    path = ROOT / "benchmarks" / "data" / "anonymous_bank_contacts.py"
    spec = importlib.util.spec_from_file_location("anonymous_bank_contacts", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_converter_keeps_recorded_durations_and_counts_what_it_leaves_out(tmp_path):
    (tmp_path / "January.txt").write_text(HEADER + "\n".join(ROWS) + "\n")
    out = tmp_path / "log.csv"
    assert _converter().main([str(tmp_path), str(out), "--months", "january"]) == 0
    log = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(log) == 4
    by_customer = {r.customer: r for r in log.itertuples()}
    a = by_customer["27997683"]
    assert (a.arrival, a.answer, a.end, a.abandon, a.segment) == (
        "1999-01-01 06:55:26", "1999-01-01 06:55:43", "1999-01-01 06:56:37", "", "high")
    b = log[log["answer"] == "1999-01-01 07:41:26"].iloc[0]       # arrival = vru_exit, no wait
    assert (b.arrival, b.end, b.customer, b.segment) == ("1999-01-01 07:41:26", "1999-01-01 07:44:54", "", "regular")
    c = by_customer["9664491"]
    assert (c.arrival, c.abandon, c.answer) == ("1999-01-01 09:00:36", "1999-01-01 09:03:09", "")
    d = by_customer["555"]
    assert (d.arrival, d.answer, d.end) == ("1999-01-01 23:59:50", "1999-01-02 00:00:10", "1999-01-02 00:01:50")


def test_converter_counts(tmp_path, capsys):
    (tmp_path / "january.txt").write_text(HEADER + "\n".join(ROWS) + "\n")
    _converter().main([str(tmp_path), str(tmp_path / "log.csv"), "--months", "january"])
    counts = dict(kv.split("=") for kv in capsys.readouterr().err.split())
    assert counts == {"rows": "8", "of_types": "7", "phantom": "1", "hung_up_in_vru": "1",
                      "other_outcome": "0", "inconsistent": "1", "written": "4"}
