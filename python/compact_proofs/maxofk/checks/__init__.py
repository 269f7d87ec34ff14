"""Exact checkers of Max-of-K certificates, apart from the searches that produce them.

Each module re-derives a strategy's count from its certificate in exact rational arithmetic and
raises on any claim it cannot confirm: ``cubic`` (the ``cubic`` and ``cubic_paper`` strategies),
``cubic_tight``, ``gap_classes`` (both gap-class strategies; it reads the model itself) and
``subcubic`` (with its exact error terms, ``subcubic_eqke`` and ``subcubic_eupu``). No module
here imports a prover, and importing this package loads none (``tests/test_architecture.py``):
the searches in ``maxofk.strategies`` import the formats, cell tests and counts from here.
"""
