"""Training and validation curves with DVCLive, for `dvc plots`.

Rows are numbered by the trainer's global step: the stock callback counts log calls instead, which
puts a step's loss and its validation score on different rows and renumbers a resumed run. Only
curves are logged; timings and the end-of-training summary belong in the stage's report.
"""

import csv
from pathlib import Path

from dvclive import Live
from transformers.integrations import DVCLiveCallback

NOT_CURVES = ("epoch", "total_flos", "train_loss")


class StepCurves(DVCLiveCallback):
    def on_log(self, args, state, control, logs=None, **kwargs):
        curves = {key: value for key, value in (logs or {}).items()
                  if key not in NOT_CURVES and not key.endswith(("_runtime", "_per_second"))}
        if curves:
            self.live.step = state.global_step
            super().on_log(args, state, control, logs=curves, **kwargs)


def curves_callback(folder: Path, resumed_step: int | None) -> StepCurves:
    """A callback logging into `folder`; on resume, rows past the checkpoint's step are dropped
    because the resumed run logs those steps again."""
    if resumed_step is not None:
        for table in folder.glob("plots/metrics/**/*.tsv"):
            _drop_rows_after(table, resumed_step)
    live = Live(dir=str(folder), resume=resumed_step is not None, dvcyaml=None, save_dvc_exp=False, report=None)
    return StepCurves(live=live)


def _drop_rows_after(table: Path, step: int) -> None:
    with open(table, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if not rows:
        return
    with open(table, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(row for row in rows if int(row["step"]) <= step)
