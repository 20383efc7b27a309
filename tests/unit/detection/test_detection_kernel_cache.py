"""The compiled kernel cannot run stale code from numba's on-disk cache.

numba (`cache=True`) keys its cache on the kernel's own source file (a hash of
its contents) and the function's bytecode; globals are frozen into the machine
code. A constant or function taken from another module would therefore not
invalidate the cache when that module changes. So everything the compiled
functions read must be defined in kernel.py itself.
"""

from __future__ import annotations

import ast
import inspect
import math
import types
from pathlib import Path

import numba as nb
import numpy as np

from vigil.detection import base
from vigil.detection import kernel as K

_MODULES = {math, np, nb}


def _compiled() -> list[object]:
    return [f for f in vars(K).values() if hasattr(f, "py_func") and hasattr(f, "stats")]


def test_kernel_imports_nothing_from_vigil() -> None:
    tree = ast.parse(Path(K.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("vigil"), node.module
        elif isinstance(node, ast.Import):
            assert all(not a.name.startswith("vigil") for a in node.names)


def test_every_global_of_the_compiled_functions_is_defined_in_kernel_py() -> None:
    compiled = _compiled()
    assert {getattr(f, "__name__", "") for f in compiled} >= {"run", "_level_of"}
    source = Path(K.__file__).read_text()
    for f in compiled:
        code: types.CodeType = f.py_func.__code__  # type: ignore[attr-defined]
        for name in code.co_names:
            if name not in vars(K):
                continue  # an attribute (math.exp, np.int64, ...) or a builtin
            value = vars(K)[name]
            if isinstance(value, types.ModuleType):
                assert value in _MODULES, name
            elif hasattr(value, "py_func"):
                assert inspect.getsourcefile(value.py_func) == K.__file__, name
            else:
                assert f"\n{name} = " in source, f"{name} is not defined in kernel.py"


def test_base_re_exports_the_kernels_kinds() -> None:
    for name in ("K_NONE", "K_NEW_HIGH", "K_NEW_LOW", "K_PATTERN", "K_TIME_OF_DAY",
                 "K_MISSING", "K_RESIDUAL", "K_DRIFT", "K_SIZE"):
        assert getattr(base, name) is getattr(K, name)
    assert max(base.K_SIZE, base.K_DRIFT) < 16  # kinds are the low 4 bits
