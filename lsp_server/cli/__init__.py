"""The `atelier` command (main.py) and its subcommands: complete, doctor, demo, licenses and
dataset (corpus.py); `serve` is in main.py, the benches in ../bench/."""
