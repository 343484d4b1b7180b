"""Refuses to time a PyTorch peer whose matrix products run on the reference BLAS.

Debian's python3-torch (and numpy) link the generic libblas.so.3, and the system points that
name at one implementation (update-alternatives). Installing python3-torch alone brings the
reference BLAS (libblas3: the textbook Fortran loops), and then PyTorch's products run 10-20
times slower than on OpenBLAS: on a 2-core Zen 4 VM the seq2seq_bottleneck step took 345 ms
against 36 ms. Every ratio against such a peer flatters attnlab and means nothing, so the peer
scripts call require_fast_blas() after importing torch and stop with the fix instead.

ATTN_PEER_ANY_BLAS=1 in the environment times the peer anyway.
"""

import ctypes
import os
import sys


class _DlInfo(ctypes.Structure):  # glibc's Dl_info, filled by dladdr
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def sgemm_provider():
    """The real path of the library whose sgemm_ PyTorch's CPU library calls, or None where
    that cannot be told (not Linux; a PyTorch that carries its own BLAS, as pip's wheels)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = [f[5] for f in (line.split() for line in maps) if len(f) >= 6]
        torch_cpu = next(p for p in paths if "libtorch_cpu" in os.path.basename(p))
        sgemm = ctypes.CDLL(torch_cpu).sgemm_  # found as libtorch_cpu's own references are
        libc = ctypes.CDLL(None)
        libc.dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
        info = _DlInfo()
        if not libc.dladdr(ctypes.cast(sgemm, ctypes.c_void_p), ctypes.byref(info)):
            return None
        return os.path.realpath(info.dli_fname.decode())
    except (OSError, StopIteration, AttributeError):
        return None


def require_fast_blas(who):
    """Exits, naming the library and the fix, when PyTorch's sgemm_ is the reference BLAS:
    a libblas that is not one of the tuned implementations (Debian's alternatives put each
    under a folder of its name, e.g. .../openblas-pthread/libblas.so.3)."""
    if os.environ.get("ATTN_PEER_ANY_BLAS") == "1":
        return
    lib = sgemm_provider()
    if lib is None or not os.path.basename(lib).startswith("libblas"):
        return
    if any(name in lib.lower() for name in ("openblas", "blis", "mkl", "atlas")):
        return
    sys.exit("%s: PyTorch's matrix products would run on the reference BLAS (%s), plain loops "
             "10-20x slower than OpenBLAS, and every ratio against it would be meaningless. "
             "Install OpenBLAS (Debian: apt-get install libopenblas0-pthread; libblas.so.3 then "
             "points at it), or set ATTN_PEER_ANY_BLAS=1 to time this peer anyway." % (who, lib))
