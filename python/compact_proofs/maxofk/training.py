"""Training Max-of-K models as in the Compact Proofs paper.

i.i.d. uniform sequences, cross-entropy on the last position against the sequence maximum,
AdamW (lr 1e-3, betas (0.9, 0.999), torch's default weight decay 0.01), batch 128, 3000 steps.
Model init, the training stream and the test stream each get a seed derived from the model
seed, so one seed determines every bit on a given torch build (single-threaded CPU,
deterministic algorithms).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from ..core.progress import Progress
from ..core.seeds import derive_seed
from .model import MaxOfKConfig, MaxOfKTransformer


@dataclass(frozen=True)
class TrainingConfig:
    """Optimisation settings (defaults: the paper's Max-of-4 run)."""

    steps: int = 3000
    batch_size: int = 128
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.01
    n_test: int = 1024
    eval_every: int = 500

    def to_dict(self) -> dict:
        return asdict(self)


def sample_batch(cfg: MaxOfKConfig, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n uniform sequences [n, n_ctx] and their labels (the maxima) [n]."""
    tokens = torch.randint(0, cfg.d_vocab, (n, cfg.n_ctx), generator=generator)
    return tokens, tokens.max(dim=-1).values


def evaluate(model: MaxOfKTransformer, tokens: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    with torch.no_grad():
        logits = model.last_logits(tokens)
        return {
            "loss": F.cross_entropy(logits, labels).item(),
            "accuracy": (logits.argmax(dim=-1) == labels).float().mean().item(),
        }


def train(
    cfg: MaxOfKConfig, seed: int, tcfg: TrainingConfig = TrainingConfig(), progress: bool | None = None
) -> tuple[MaxOfKTransformer, dict]:
    """Train one model from ``seed``; returns the model and a metrics record."""
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # bitwise reproducibility and clean parallelism across processes
    try:
        model = MaxOfKTransformer(cfg)
        model.reset_parameters(torch.Generator().manual_seed(derive_seed(seed, "model")))
        train_gen = torch.Generator().manual_seed(derive_seed(seed, "train"))
        test_tokens, test_labels = sample_batch(cfg, tcfg.n_test, torch.Generator().manual_seed(derive_seed(seed, "test")))
        opt = torch.optim.AdamW(model.parameters(), lr=tcfg.lr, betas=tcfg.betas, weight_decay=tcfg.weight_decay)
        history = []
        with Progress(tcfg.steps, f"train seed {seed}", enabled=progress) as bar:
            for step in range(1, tcfg.steps + 1):
                tokens, labels = sample_batch(cfg, tcfg.batch_size, train_gen)
                loss = F.cross_entropy(model.last_logits(tokens), labels)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if step % tcfg.eval_every == 0 or step == tcfg.steps:
                    test = evaluate(model, test_tokens, test_labels)
                    history.append({"step": step, "train_loss": loss.item(), "test_loss": test["loss"], "test_accuracy": test["accuracy"]})
                    bar.update(0, postfix=f"loss {loss.item():.4f} test acc {test['accuracy']:.4f}")
                bar.update()
        final_train = evaluate(model, *sample_batch(cfg, tcfg.n_test, torch.Generator().manual_seed(derive_seed(seed, "train-eval"))))
        metrics = {
            "train": final_train,
            "test": evaluate(model, test_tokens, test_labels),
            "history": history,
            "torch_version": torch.__version__,
        }
        return model, metrics
    finally:
        torch.set_num_threads(threads)
