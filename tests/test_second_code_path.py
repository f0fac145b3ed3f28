"""The same claims on a second code path: NumPy's AVX2/FMA kernels switched off, as on an older CPU.

NumPy picks its exp, log, power and friends at start-up from what the CPU offers (on this machine's
AVX-512 the X86_V4 kernels, on a laptop's AVX2 the X86_V3 ones, else the X86_V2 baseline), and those kernels
round the last bit differently. `NPY_DISABLE_CPU_FEATURES` makes a process pretend the CPU lacks a group, so
one test run here repeats the claims (every sentence of lab/claims.py, each lesson's claim and each vault's
described story) in a child process with X86_V3 off: the kernels an AVX2 laptop would not even use. OpenBLAS
is asked for its SSE kernels too (`OPENBLAS_CORETYPE`), and the child first proves that both took effect.
A claim that held only by the last bit of this machine's kernels fails here on every machine that has them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy._core._multiarray_umath import __cpu_features__

ROOT = Path(__file__).resolve().parents[1]
OFF = "X86_V3"  # NumPy 2.4's name for the AVX2 + FMA3 group
BLAS_CORE = "Nehalem"  # OpenBLAS's kernels for a CPU without AVX

# What the child repeats: the claims table (as shown and nudged), the lessons' own checks and the vaults'.
CHECKS = ["tests/test_claims.py", "tests/test_teaching_truth.py", "tests/app/test_lessons.py"]
SELECTED = "(claim and as_shown) or robust_story"

PROBE = """
import json, numpy as np
from numpy._core._multiarray_umath import __cpu_features__ as features
from threadpoolctl import threadpool_info
x = np.linspace(-30.0, 30.0, 4097)
print(json.dumps({"features": {k: bool(v) for k, v in features.items()},
                  "blas": [i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"],
                  "exp": np.exp(x).tobytes().hex(), "log": np.log1p(np.abs(x)).tobytes().hex()}))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "NPY_DISABLE_CPU_FEATURES": OFF, "OPENBLAS_CORETYPE": BLAS_CORE}


def _probe(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    return json.loads(done.stdout)


needs_the_group = pytest.mark.skipif(not __cpu_features__.get(OFF, False),
                                     reason=f"this CPU has no {OFF} (AVX2/FMA3) kernels to switch off: the "
                                            "suite already runs on the baseline path here")


@needs_the_group
def test_the_child_really_runs_without_the_avx2_kernels():
    here, there = _probe(dict(os.environ)), _probe(_env())
    assert here["features"][OFF] and not there["features"][OFF]
    assert there["blas"] == [BLAS_CORE]
    # On a CPU with AVX-512 the exp and log kernels differ in the last bit from the baseline ones: proof that the
    # child computes on another path. (On an AVX2-only CPU NumPy has no faster float64 exp to drop, so there the
    # flag above is all there is to see.)
    if __cpu_features__.get("X86_V4", False):
        assert here["exp"] != there["exp"] or here["log"] != there["log"]
    x = np.linspace(-30.0, 30.0, 4097)
    assert here["exp"] == np.exp(x).tobytes().hex()


@needs_the_group
@pytest.mark.timeout(900)
def test_every_claim_holds_on_the_second_code_path():
    done = subprocess.run([sys.executable, "-m", "pytest", *CHECKS, "-k", SELECTED, "-p", "no:cacheprovider", "-rA"],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=880)
    tail = "\n".join(done.stdout.splitlines()[-40:])
    assert done.returncode == 0, f"with {OFF} off, a claim fails:\n{tail}\n{done.stderr[-2000:]}"
    ran = done.stdout.count("PASSED ")
    assert ran >= 50, f"only {ran} checks ran:\n{tail}"
