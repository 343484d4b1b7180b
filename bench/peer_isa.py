"""The environment that keeps PyTorch on one instruction set, so that the peer runs the ISA
our build was compiled for (bench_models and bench_conv name it: avx512, avx2, neon, scalar).

ATEN_CPU_CAPABILITY alone is not enough. PyTorch's own kernels (ATen) obey it, but its
convolutions run in oneDNN and its matrix products in OpenBLAS, and each picks its kernels from
the CPU: on an AVX-512 machine, with ATEN_CPU_CAPABILITY=avx2, oneDNN still ran its AVX-512
convolutions (ONEDNN_VERBOSE=1 prints jit:avx512_core). All three are read when torch loads
or first uses them, so the settings must be in the environment before `import torch`.
"""

# Per ISA: the variables that cap ATen, oneDNN and OpenBLAS at it. avx512 and the others
# leave PyTorch to choose (on an AVX-512 machine it chooses AVX-512).
_ENV = {
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2",
             "OPENBLAS_CORETYPE": "Haswell"},
}


ISAS = ("avx512", "avx2", "neon", "scalar")  # simd::isa_name() in autograd/simd/vec.h


def isa_env(isa):
    """The variables to add to PyTorch's environment for ISA (a dict, maybe empty)."""
    if isa not in ISAS:
        raise SystemExit("peer_isa: unknown ISA '%s' (one of %s)" % (isa, ", ".join(ISAS)))
    return dict(_ENV.get(isa, {}))
