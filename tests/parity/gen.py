"""
tests/parity/gen.py OUT - runs every tests/parity/cases/*.py module against
PyTorch and writes OUT.txt / OUT.bin for the C runner.
"""
import importlib.util
import pathlib
import sys

import torch

from parity import Writer


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    w = Writer()
    here = pathlib.Path(__file__).parent / "cases"
    for path in sorted(here.glob("*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        w.prefix = path.stem + ":"
        mod.cases(w)
    w.save(out)
    print(f"parity: {w.count} cases written to {out}.txt")


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    main()
