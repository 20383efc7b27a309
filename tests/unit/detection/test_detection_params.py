"""The default detector's configuration reaches the kernel through one table."""

from __future__ import annotations

from dataclasses import fields, replace

from vigil.detection import kernel as K
from vigil.detection.default import PARAM_TABLE, DefaultConfig


def test_every_kernel_parameter_comes_from_exactly_one_config_field() -> None:
    indices = [index for index, _, _ in PARAM_TABLE]
    assert sorted(indices) == list(range(K.N_PARAMS))
    names = [name for _, name, _ in PARAM_TABLE]
    assert sorted(names) == sorted(f.name for f in fields(DefaultConfig))


def test_params_clamp_values_the_kernel_cannot_use() -> None:
    p = replace(DefaultConfig(), learn=0, context_order=99, grid2=1, pattern_rarity=0.0,
                counters=False, size_at=-1.0).params()
    assert p[K.P_LEARN] == 1
    assert p[K.P_K] == K.MAX_K
    assert p[K.P_G2] == 0
    assert p[K.P_TAU] > 0.0
    assert p[K.P_COUNTER] == 0.0
    assert p[K.P_SIZE_AT] == 0.0
