"""Benchmarks can fail: `--check` makes a missed target a non-zero exit."""

import subprocess
import sys

import pytest

from conftest import REPO, load_bench

measure = load_bench("measure")
Target, report_targets = measure.Target, measure.report_targets


def test_a_missed_target_fails_only_with_check(capsys):
    targets = [Target("pages/s", 5.0, 4.0), Target("rerun s", 6.0, 3.0, at_least=False)]
    report_targets(targets, check=False)
    table = capsys.readouterr().out
    assert "pages/s" in table and "yes" in table and "NO" in table
    with pytest.raises(SystemExit) as failed:
        report_targets(targets, check=True)
    assert failed.value.code == "missed 1 of 2 targets: rerun s"
    report_targets(targets[:1], check=True)
    with pytest.raises(SystemExit):
        report_targets([Target("not measured", None, 1.0)], check=True)


@pytest.mark.parametrize("script", sorted(path.name for path in (REPO / "bench").glob("*.py")
                                          if path.name not in ("measure.py", "plain_train.py")))
def test_every_benchmark_takes_check(script):
    shown = subprocess.run([sys.executable, str(REPO / "bench" / script), "--help"], capture_output=True, text=True,
                           cwd=REPO / "bench")
    assert shown.returncode == 0 and "--check" in shown.stdout, shown.stderr
