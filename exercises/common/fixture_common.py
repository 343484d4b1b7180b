"""What the exercises' fixture scripts share: tensors written as {"shape", "data"} (the
encoding tests/helpers/fixtures.h reads) with 17 significant digits, so the double-precision
tests read back exactly the numbers the script computed with, and a writer that records the
script and the library versions.

Run a script with Debian's Python (PyTorch 1.13, NumPy, NLTK):  /usr/bin/python3 make_fixtures.py
"""
import json
import os
import sys


def enc(t):
    """A torch tensor or a NumPy array as {"shape": [...], "data": [...]}, float64 exact."""
    try:
        import torch
        if isinstance(t, torch.Tensor):
            t = t.detach().double().contiguous().numpy()
    except ImportError:
        pass
    import numpy as np
    a = np.asarray(t, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(repr(float(v))) for v in a.reshape(-1)]}


def write(path, cases, versions, max_bytes=100_000):
    """Writes `cases` to path (beside the calling script) with the generator and versions."""
    script = os.path.abspath(sys.modules["__main__"].__file__)
    here = os.path.dirname(script)
    root = os.path.abspath(os.path.join(here, "..", "..", ".."))  # exercises/NN_name/fixtures
    out = os.path.join(here, path)
    with open(out, "w") as f:
        json.dump({"generator": os.path.relpath(script, root), "versions": versions,
                   "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    size = os.path.getsize(out)
    assert size < max_bytes, "%s is %d bytes; keep fixtures under %d" % (out, size, max_bytes)
    print("%-55s %6d bytes, %d cases" % (os.path.relpath(out, root), size, len(cases)))
