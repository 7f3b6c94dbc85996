"""Every dataset format with each loss that fits it, on the small labelled files of the format
tests (tests/format_samples.py): the base model and the fine-tuned one on the test split, the
format's headline metric at full dimension and at 64. Each run: dataset, evaluate_base, train
(3 epochs, batch 8, MatryoshkaLoss over the loss), evaluate_tuned, as separate processes.
Prints a table and writes bench/results/formats.json.

Run: python bench/formats.py
"""

import json
import sys
import tempfile
from pathlib import Path

import yaml
from measure import parse_check, report_targets, run_command

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from embedtune.summary import comparison  # noqa: E402
from embedtune.training.losses import FITTING_LOSSES  # noqa: E402
from format_samples import rows  # noqa: E402

RESULTS = REPO / "bench" / "results" / "formats.json"
STAGE = [sys.executable, "-m"]


def main() -> None:
    args = parse_check(__doc__)
    results = {}
    for format, losses in FITTING_LOSSES.items():
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            rows(format).to_csv(root / "labelled.csv", index=False)
            params = yaml.safe_load((REPO / "params.yaml").read_text())
            params["dataset"].update(labelled_file="labelled.csv", test_size=0.25, validation_size=0.25)
            params["train"].update(epochs=3, batch_size=8, learning_rate=1e-4)
            (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
            run_command(STAGE + ["embedtune.stages.dataset"], root)
            for loss in losses:
                params["train"]["loss"] = loss
                (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
                if loss == losses[0]:
                    run_command(STAGE + ["embedtune.stages.evaluate"], root)
                train = run_command(STAGE + ["embedtune.stages.train"], root)
                run_command(STAGE + ["embedtune.stages.evaluate", "--tuned", "models/embedtune"], root)
                summary = comparison(json.loads((root / "metrics" / "baseline.json").read_text()),
                                     json.loads((root / "metrics" / "tuned.json").read_text()))
                dataset = json.loads((root / "metrics" / "dataset.json").read_text())
                results[f"{format}/{loss}"] = {
                    "format": format, "loss": loss, "headline": summary["headline"],
                    "train_rows": dataset["train_rows"], "test_rows": dataset["test_rows"],
                    "dims": summary["dims"], "train_s": train["wall_s"],
                }
                row = results[f"{format}/{loss}"]
                print(f"{format:<15} {loss:<36} {row['headline']:<16} "
                      + " ".join(f"{row['dims'][d]['base']:.3f}->{row['dims'][d]['tuned']:.3f}"
                                 for d in ("384", "64")), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(REPO)}")
    report_targets([], args.check)


if __name__ == "__main__":
    main()
