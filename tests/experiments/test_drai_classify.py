"""DRAI task 1: signal generator, driven bank, learning window, spectral baseline, SNR-at-90 %, smoke run."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from resonant.core.errors import ConfigError
from resonant.drai.dynamics import periodic_forcing
from resonant.experiments.claims import VERDICTS, ClaimResult
from resonant.experiments.drai_classify import (
    METHODS,
    SIZES,
    ClassifyConfig,
    band_power,
    bank_frequencies,
    claims_classify,
    drive_bank,
    figure_classify,
    learn_couplings,
    oscillatory_signals,
    readout_accuracy,
    run_classify,
    sample_times,
    signal_forcing,
    snr_at_accuracy,
)

SMALL = ClassifyConfig(duration=1.0, n_osc=5, f_lo=0.75, f_hi=3.75, chunk=7, learn_windows=1, learn_batch=4)


@pytest.mark.parametrize("snr_db", [8.0, -3.0, -15.0])
def test_signal_snr_is_as_declared(snr_db):
    g = torch.Generator().manual_seed(1)
    labels = torch.arange(4).repeat(150)
    sig = oscillatory_signals(labels, snr_db, SIZES["full"], g)
    measured = 10 * math.log10(float(sig.s.square().mean()) / float(sig.noise.square().mean()))
    assert measured == pytest.approx(snr_db, abs=0.1)
    # the bank's input is (s + n)/√(1 + σ²): unit expected power, and exactly that combination
    sigma2 = 10 ** (-snr_db / 10)
    torch.testing.assert_close(sig.x, (sig.s + sig.noise) / math.sqrt(1 + sigma2), rtol=1e-12, atol=1e-12)
    assert float(sig.x.square().mean()) == pytest.approx(1.0, abs=0.03)


def test_clean_signals_peak_at_their_class_tones():
    cfg = dataclasses.replace(SIZES["full"], freq_jitter=0.0)
    g = torch.Generator().manual_seed(2)
    sig = oscillatory_signals(torch.arange(cfg.n_classes), 60.0, cfg, g)
    x = sig.x.numpy()
    T = x.shape[-1]
    spec = np.abs(np.fft.rfft(x, n=8 * T, axis=-1))  # zero-padded: 1/32 Hz bins
    freqs = np.fft.rfftfreq(8 * T, cfg.dt)
    for c, tones in enumerate(cfg.class_tones):
        peaks = []
        s = spec[c].copy()
        for _ in range(len(tones)):  # the three largest separated peaks
            k = int(np.argmax(s))
            peaks.append(freqs[k])
            s[max(0, k - 8):k + 9] = 0.0
        assert sorted(peaks) == pytest.approx(sorted(cfg.tones_hz[t] for t in tones), abs=1 / 32)


@pytest.mark.parametrize(("labels", "snr", "match"), [
    (torch.tensor([0, 4]), 0.0, "labels"), (torch.tensor([0.0, 1.0]), 0.0, "integer"),
    (torch.tensor([0, 1]), float("nan"), "finite"), (torch.tensor([0, 1]), torch.zeros(3), "broadcast"),
])
def test_signal_generator_rejects_bad_input(labels, snr, match):
    with pytest.raises(ValueError, match=match):
        oscillatory_signals(labels, snr, SIZES["full"], torch.Generator().manual_seed(0))


@pytest.mark.parametrize(("changes", "match"), [
    (dict(snr_db=(0.0,)), "snr_db"), (dict(tones_hz=(1.0, 60.0)), "tones_hz"), (dict(class_tones=((0, 1), (0, 9))),
                                                                                "class_tones"),
    (dict(class_tones=((0, 1), (2,))), "class_tones"), (dict(f_lo=4.0), "f_lo"), (dict(forcing=0.0), "forcing"),
    (dict(n_osc=1), "n_osc"), (dict(dt=float("nan")), "dt"),
])
def test_config_rejects_bad_values(changes, match):
    with pytest.raises(ConfigError, match=match):
        dataclasses.replace(SIZES["full"], **changes)


def test_signal_forcing_is_periodic_forcing_plus_a_fast_term():
    t, A, F, Om = 0.37, 0.8, 2.0, 9.0
    phi = torch.tensor([0.1, 2.5, -0.7], dtype=torch.float64)
    x_t = torch.tensor(A * math.cos(Om * t), dtype=torch.float64)
    I = signal_forcing(x_t, phi, F)
    slow = periodic_forcing(t, phi, A * F / 2, Om, torch.zeros(3, dtype=torch.float64))
    expected = slow - (A * F / 2) * torch.sin(Om * t + phi)
    torch.testing.assert_close(I, expected, rtol=1e-12, atol=1e-12)


def _reference_bank(x: np.ndarray, W: np.ndarray, cfg: ClassifyConfig, phi0: np.ndarray):
    """Plain numpy Euler loop of dφ_i = ω_i + (K/N)Σ_j w_ij sin(φ_j − φ_i) − F x(t) sin φ_i."""
    omega = 2 * np.pi * np.linspace(cfg.f_lo, cfg.f_hi, cfg.n_osc)
    Wk = cfg.coupling / cfg.n_osc * W
    phi = phi0.copy()
    T = x.shape[-1]
    lock = x[..., :1] * np.exp(-1j * phi)
    zz = 0
    for n in range(T - 1):
        d = phi[..., None, :] - phi[..., :, None]  # φ_j − φ_i
        vel = omega + (Wk * np.sin(d)).sum(-1) - cfg.forcing * x[..., n:n + 1] * np.sin(phi)
        phi = phi + cfg.dt * vel
        lock = lock + x[..., n + 1:n + 2] * np.exp(-1j * phi)
        z = np.exp(1j * phi)
        zz = zz + z[..., :, None] * z[..., None, :].conj()
    return lock / T, zz / (T - 1), phi


def test_drive_bank_matches_a_numpy_euler_loop_across_chunks():
    cfg = dataclasses.replace(SMALL, coupling=12.0)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, cfg.n_samples))
    W = rng.uniform(-1, 1, (5, 5))
    W = (W + W.T) / 2
    np.fill_diagonal(W, 0)
    g = torch.Generator().manual_seed(9)
    phi0 = (2 * np.pi * torch.rand((2, 3, 5), generator=torch.Generator().manual_seed(9), dtype=torch.float64)).numpy()
    out = drive_bank(torch.tensor(x), torch.tensor(W), cfg, g, statistics=True)
    lock, zz, phi = _reference_bank(x, W, cfg, phi0)
    np.testing.assert_allclose(out.lockin.numpy(), lock, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out.mean_zz.numpy(), zz, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out.phi.numpy(), phi, rtol=1e-10, atol=1e-12)


def test_a_free_running_bank_is_a_fourier_analyser():
    # vanishing forcing and no coupling: φ_i = φ_i(0) + ω_i t, so the lock-in is the DFT at ω_i (up to a phase)
    cfg = dataclasses.replace(SMALL, forcing=1e-14)
    x = torch.randn(4, cfg.n_samples, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    out = drive_bank(x, torch.zeros(5, 5, dtype=torch.float64), cfg, torch.Generator().manual_seed(0))
    t = sample_times(cfg).numpy()
    dft = (x.numpy()[:, None, :] * np.exp(-1j * bank_frequencies(cfg).numpy()[:, None] * t)).mean(-1)
    np.testing.assert_allclose(out.lockin.abs().numpy(), np.abs(dft), rtol=1e-9, atol=1e-12)


def test_band_power_matches_the_numpy_periodogram_on_fft_bins():
    cfg = dataclasses.replace(SIZES["full"], duration=2.0)  # T = 200, 8T zero padding: 1/16 Hz bins
    x = torch.randn(3, cfg.n_samples, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    bp = band_power(x, cfg, points_per_band=1)  # one point per band: P(f_i)
    T = cfg.n_samples
    P = np.abs(np.fft.rfft(x.numpy(), n=8 * T, axis=-1)) ** 2 / T
    freqs = np.fft.rfftfreq(8 * T, cfg.dt)
    f = np.linspace(cfg.f_lo, cfg.f_hi, cfg.n_osc)
    idx = [int(np.argmin(np.abs(freqs - fi))) for fi in f]
    assert np.allclose(freqs[idx], f)
    np.testing.assert_allclose(bp.numpy(), np.log(P[:, idx]), rtol=1e-9)
    with pytest.raises(ValueError, match="points_per_band"):
        band_power(x, cfg, points_per_band=0)


def test_one_learning_window_applies_the_hebbian_cosine_rule():
    cfg = dataclasses.replace(SMALL, eta=0.3)
    x = torch.randn(10, cfg.n_samples, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    W, hist = learn_couplings(x, cfg, torch.Generator().manual_seed(11))
    g = torch.Generator().manual_seed(11)  # replay the same draws by hand
    idx = torch.randperm(10, generator=g)[:4]
    mean_cos = drive_bank(x[idx], torch.zeros(5, 5, dtype=torch.float64), cfg, g, statistics=True).mean_zz.real
    expected = (cfg.eta * mean_cos.mean(0)).clamp(-cfg.w_max, cfg.w_max)
    expected.fill_diagonal_(0.0)
    torch.testing.assert_close(W, expected, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(W, W.T, rtol=0, atol=0)
    assert hist == [pytest.approx(float(W.abs().sum() / 20))]


def test_learning_wires_together_oscillators_locked_to_one_tone():
    # a clean 2 Hz tone: oscillators near 2 Hz lock to it (and to each other), the rest drift
    cfg = dataclasses.replace(SMALL, n_osc=13, duration=3.0, learn_windows=3, learn_batch=6, forcing=3.0)
    t = sample_times(cfg)
    phases = torch.rand(6, 1, generator=torch.Generator().manual_seed(8), dtype=torch.float64) * 2 * math.pi
    x = math.sqrt(2) * torch.cos(2 * math.pi * 2.0 * t + phases)
    W, _ = learn_couplings(x, cfg, torch.Generator().manual_seed(1))
    f = np.linspace(cfg.f_lo, cfg.f_hi, cfg.n_osc)
    near = int(np.argmin(np.abs(f - 2.0)))
    assert float(W[near, near + 1]) > 0.1 and float(W[near, near - 1]) > 0.1
    far = float(W[0, -1].abs())
    assert far < 0.5 * float(W[near, near + 1])


def test_snr_at_accuracy_hand_cases():
    snr = [10.0, 5.0, 0.0, -5.0]
    assert snr_at_accuracy(snr, [1.0, 0.95, 0.85, 0.5]) == (pytest.approx(2.5), "interpolated")
    assert snr_at_accuracy(snr[::-1], [0.5, 0.85, 0.95, 1.0]) == (pytest.approx(2.5), "interpolated")
    assert snr_at_accuracy(snr, [1.0, 1.0, 0.9, 0.95]) == (-5.0, "censored")
    s, status = snr_at_accuracy(snr, [0.8, 0.95, 0.95, 0.95])
    assert math.isnan(s) and status == "never"
    assert snr_at_accuracy(snr, [1.0, 0.92, 0.8, 0.95]) == (pytest.approx(5.0 - 5 * 0.02 / 0.12), "interpolated")
    with pytest.raises(ValueError, match="equal-length"):
        snr_at_accuracy(snr, [1.0])


def test_readout_accuracy_on_a_separable_and_a_random_problem():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-3, 1, (40, 2)), rng.normal(3, 1, (40, 2))]
    y = np.r_[np.zeros(40), np.ones(40)]
    assert readout_accuracy(X[::2], y[::2], X[1::2], y[1::2]) == 1.0
    Xr = rng.normal(size=(400, 3))
    yr = rng.integers(0, 2, 400)
    assert 0.35 < readout_accuracy(Xr[:200], yr[:200], Xr[200:], yr[200:]) < 0.65


def test_smoke_run_is_reproducible_and_gives_valid_claims(tmp_path):
    r1 = run_classify("smoke", seeds=[3])
    r2 = run_classify("smoke", seeds=[3])
    d1, d2 = r1.to_dict(), r2.to_dict()
    d1.pop("wall_seconds"), d2.pop("wall_seconds")
    d1["per_seed"][0].pop("wall_seconds"), d2["per_seed"][0].pop("wall_seconds")
    assert d1 == d2
    json.dumps(r1.to_dict())
    assert set(r1.accuracy_mean) == set(METHODS)
    assert all(0.0 <= a <= 1.0 for m in METHODS for a in r1.accuracy_mean[m])
    assert r1.accuracy_mean["spectral"][0] == 1.0  # +10 dB: trivial for a periodogram
    claims = claims_classify(r1)
    assert len(claims) == 2 and all(isinstance(c, ClaimResult) and c.verdict in VERDICTS for c in claims)
    assert claims[0].value == r1.snr90_mean["learned"] and claims[0].baseline == r1.snr90_mean["frozen"]
    path = figure_classify(r1, tmp_path / "task1.png")
    assert path.exists() and path.stat().st_size > 1000
    with pytest.raises(ValueError, match="size"):
        run_classify("huge")
