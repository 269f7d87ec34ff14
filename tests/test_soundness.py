"""Every registered strategy of every family is sound on random small models (hypothesis): its
bound never exceeds the exact brute-force count, and its certificate, as a file holds it, is
re-checked by its own checker to the same count. A strategy is covered by registering it; the
number of random models each one was checked on is printed in the test summary
(``conftest.pytest_terminal_summary``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compact_proofs.core.modelfile import model_sha256
from compact_proofs.core.strategy import certificate_file
from compact_proofs.families import FAMILIES
from compact_proofs.maxofk.config import MaxOfKConfig

from . import conftest
from .test_modadd_strategies import random_model as random_pizza
from .test_subcubic import near_trained

#: Random models per strategy: every strategy runs on each, in a fixed (derandomized) sequence.
EXAMPLES = 8


def maxofk_model(draw):
    v, k, seed = draw(st.integers(4, 7)), draw(st.integers(2, 4)), draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["near_trained", "gaussian", "grid"]))
    if kind == "near_trained":  # most inputs right: the bounds are not vacuous
        return near_trained(v, k, rng, noise=draw(st.sampled_from([0.01, 0.1])))
    d = draw(st.sampled_from([4, 8]))
    return conftest.random_model(MaxOfKConfig(d_vocab=v, n_ctx=k, d_model=d, d_head=d), rng, grid=0.5 if kind == "grid" else None)


def modadd_model(draw):
    return random_pizza(draw(st.sampled_from([5, 7])), draw(st.integers(4, 12)), draw(st.integers(0, 10**6)))


MODELS = {"maxofk": maxofk_model, "modadd": modadd_model}
CASES = [(family, name) for family in FAMILIES for name in FAMILIES[family].registry().names()]


@pytest.mark.parametrize(("family", "name"), CASES, ids=[f"{f}:{n}" for f, n in CASES])
def test_strategy_is_sound_on_random_models(family, name, record_property):
    fam = FAMILIES[family]
    strategy = fam.registry().get(name)
    brute_force = fam.registry().get("brute_force")
    cases = 0

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(st.data())
    def check(data):
        nonlocal cases
        model = MODELS[family](data.draw)
        tables = fam.tables(model)
        exact = brute_force.prove(tables).result.correct_lower_bound
        proof = strategy.prove(tables)
        assert 0 <= proof.result.correct_lower_bound <= exact, (name, proof.result.correct_lower_bound, exact)
        if strategy.check is not None:
            cert = json.loads(json.dumps(certificate_file(proof, name, model_sha256(model))))
            assert strategy.check(tables, cert) == proof.result.correct_lower_bound
        cases += 1

    check()
    assert cases == EXAMPLES
    record_property("soundness_cases", cases)
