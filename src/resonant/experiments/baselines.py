"""Baselines on the same splits as the oscillator experiments."""

from __future__ import annotations

import torch


def logistic_regression_accuracy(
    X_train: torch.Tensor, y_train: torch.Tensor, X_test: torch.Tensor, y_test: torch.Tensor,
    l2: float = 1e-4, iterations: int = 50,
) -> torch.Tensor:
    """Test accuracy of L2-regularised logistic regression fitted by Newton's method (IRLS), batched.

    X_* are (B, S, d) (B independent problems, e.g. one split per seed), y_* (B, S) in {0, 1}.
    A small ridge ``l2`` keeps separable problems finite. Returns the accuracy per problem (B,).
    """
    def design(X: torch.Tensor) -> torch.Tensor:
        return torch.cat([X, torch.ones(*X.shape[:-1], 1, dtype=X.dtype)], dim=-1)

    A = design(X_train.double())
    y = y_train.double()
    B, _, p = A.shape
    w = torch.zeros(B, p, dtype=torch.float64)
    eye = torch.eye(p, dtype=torch.float64)
    for _ in range(iterations):
        prob = torch.sigmoid((A @ w.unsqueeze(-1)).squeeze(-1))
        grad = (A * (prob - y).unsqueeze(-1)).sum(1) + l2 * w
        Hs = (A.transpose(1, 2) * (prob * (1 - prob)).unsqueeze(1)) @ A + l2 * eye
        step = torch.linalg.solve(Hs, grad.unsqueeze(-1)).squeeze(-1)
        w = w - step
        if float(step.abs().max()) < 1e-12:
            break
    pred = ((design(X_test.double()) @ w.unsqueeze(-1)).squeeze(-1) > 0).long()
    return (pred == y_test.long()).double().mean(-1)
