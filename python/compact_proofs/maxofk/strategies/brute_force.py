"""The reference strategy: exact brute force over the whole input space, as a registered strategy.

``brute_force`` wraps ``compact_proofs.maxofk.brute_force.brute_force`` (exact verdicts under the
real-number semantics of the float32 weights; the plain float32 pass is skipped). Its
``correct_lower_bound`` is the exact number of correct inputs, so every other strategy's bound
must be at most it, and the sweep normalises bounds by its accuracy.

Proof FLOPs follow the paper's convention (reference notes, maxofk-reference.md section 2.4):
the cost of the brute-force *proof* is one forward pass per input, counted from shapes
(matmul [a,b]@[b,c] = a c (2b - 1), a reduction of n numbers n - 1, elementwise ops 1;
softmax over n = max, subtract, exp, sum, divide), plus the accuracy check at the last
position, times d_vocab ** n_ctx. It is not the work our exact checker happens to do (which
decides most inputs with a separable bound). For the paper's Max-of-4 shape this is 50,715
FLOPs per input, 8.51e11 in all (the notes report about 5.0e4 per sequence and the authors'
fallback constant 8.76e11).

Unexplained dimensionality: the paper's code constant d_vocab ** (n_ctx + 1).

Time complexity: that of ``exact_verdicts``, O(v^K v) float work plus O(v^2 K d) exact setup.
Preconditions: one attention head (as ``exact_verdicts``). Postconditions: the bound is exact.
"""

from __future__ import annotations

import time
from fractions import Fraction

from .. import brute_force as exact
from ..model import MaxOfKConfig
from ..tables import ModelTables
from .registry import Proof, StrategyResult, register


def forward_flops(cfg: MaxOfKConfig) -> int:
    """Shape-counted FLOPs of one forward pass at every position plus the last-position accuracy check."""
    n, d, h, heads, v = cfg.n_ctx, cfg.d_model, cfg.d_head, cfg.n_heads, cfg.d_vocab
    flops = n * d  # token embedding + positional embedding
    flops += 3 * heads * n * h * (2 * d - 1)  # Q, K, V projections
    flops += heads * n * n * (2 * h - 1)  # scores
    flops += 2 * heads * n * n  # scale by 1/sqrt(d_head), causal mask
    flops += heads * n * (5 * n - 2)  # softmax over each row of n scores
    flops += heads * n * h * (2 * n - 1)  # pattern @ values
    flops += n * d * (2 * heads * h - 1)  # output projection, summed over heads
    flops += n * d  # residual add
    flops += n * v * (2 * d - 1)  # unembedding
    flops += (v - 1) + (n - 1) + 1  # argmax of the last logits, max of the input, compare
    return flops


def brute_force_flops(cfg: MaxOfKConfig) -> int:
    """The paper's brute-force proof length: one counted forward pass per input."""
    return forward_flops(cfg) * cfg.n_inputs


@register("brute_force")
def brute_force(tables: ModelTables) -> Proof:
    """Exact accuracy as a strategy result (the reference every sound bound stays below)."""
    start = time.perf_counter()
    result = exact.brute_force(tables.model, progress=False, float32=False, paths=tables.path)
    seconds = time.perf_counter() - start
    cfg = tables.cfg
    details = {
        "n_inputs": result.n_inputs,
        "exact_decided": result.exact_decided,
        "exact_ties": result.exact_ties,
        "forward_flops_per_input": forward_flops(cfg),
    }
    return Proof(StrategyResult(
        "brute_force", result.correct, Fraction(result.correct, result.n_inputs), brute_force_flops(cfg),
        cfg.d_vocab ** (cfg.n_ctx + 1), seconds, details,
    ))
