"""What every stage uses: params, errors, run costs, hashes, JSON files, and the models, offline.

One folder, so each stage in dvc.yaml depends on it as one unit."""
