"""Branch-free ``exp`` and ``sincos`` for numba loops, so that LLVM can vectorise them.

numba calls the scalar libm for ``math.exp``/``math.sin`` (no SVML here), which stops a loop from
being vectorised and costs 10-20 ns a call. These versions are straight-line polynomial code with
Cody-Waite range reduction, so a loop over them compiles to AVX2/AVX-512 lanes:

* :func:`exp_nonpos` — e^x for x ≤ 0 (the tuning weight of RCS eq. (9)); x = n ln 2 + r with
  |r| ≤ ln2/2, Taylor polynomial of degree 13 (truncation < 1e-17), scaled by 2^n built in the
  exponent bits. Max error 1 ulp (tested against ``numpy.exp``). Below -700 it returns e^-700
  (≈ 1e-304) instead of a subnormal or 0.
* :func:`sincos` — (sin x, cos x) via x = q π/2 + r, |r| ≤ π/4, odd/even Taylor polynomials of degree
  17/16 (truncation < 1e-17), quadrant fixed by selects. Error ≤ 1 ulp of 1 for |x| ≤ 1e5 (the
  two-part π/2 split loses accuracy beyond that; engine phases are wrapped to [0, 2π)).

Both use the 1.5·2^52 shifter: adding it to a double rounds it to an integer held in the low
mantissa bits, which a bit-cast then reads without a float→int64 conversion (not in AVX2).

Developers: the kernels inline these functions, and numba's on-disk cache of a kernel only watches
the kernel's own file; after editing this one, delete the ``*.nbi``/``*.nbc`` files under
``src/resonant/rcs/__pycache__``.
"""

from __future__ import annotations

import math
from decimal import Decimal, getcontext

import numba
from numba import types
from numba.extending import intrinsic

getcontext().prec = 60
_PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459")
_LN2 = Decimal("0.693147180559945309417232121458176568075500134360255254120680009")


def _split(x: Decimal, bits: int) -> tuple[float, float]:
    """x = hi + lo with hi holding ``bits`` mantissa bits, so n·hi is exact for small integers n."""
    m, e = math.frexp(float(x))
    hi = math.ldexp(math.floor(m * 2**bits) / 2**bits, e)
    return hi, float(x - Decimal(hi))


LN2_HI, LN2_LO = _split(_LN2, 32)
PIO2_HI, PIO2_LO = _split(_PI / 2, 33)
LOG2E = 1.4426950408889634
TWO_OVER_PI = 0.6366197723675814
SHIFTER = 6755399441055744.0  # 1.5 · 2^52
_E = tuple(1.0 / math.factorial(k) for k in range(14))
_S = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(9))
_C = tuple((-1) ** k / math.factorial(2 * k) for k in range(9))


@intrinsic
def _as_float(typingctx, x):  # pragma: no cover - compile-time
    """Reinterpret the bits of an int64 as a float64 (a no-op instruction)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


@intrinsic
def _as_int(typingctx, x):  # pragma: no cover - compile-time
    """Reinterpret the bits of a float64 as an int64."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))
    return types.int64(types.float64), codegen


@numba.njit(inline="always", cache=True)
def horner(coefs, x):  # pragma: no cover - compiled; tested through exp_nonpos and sincos
    """Σ coefs[j] x^j by Horner's rule (coefs: a tuple, lowest degree first; unrolled by LLVM)."""
    p = coefs[len(coefs) - 1]
    for j in range(len(coefs) - 2, -1, -1):
        p = p * x + coefs[j]
    return p


@numba.njit(inline="always", cache=True)
def exp_nonpos(x):  # pragma: no cover - compiled; tested through its numba calls
    """e^x for x ≤ 0 (x < -700 gives e^-700); 1 ulp, vectorisable."""
    x = max(x, -700.0)
    t = x * LOG2E + SHIFTER
    n = t - SHIFTER
    r = x - n * LN2_HI - n * LN2_LO
    p = horner(_E, r)
    # the low mantissa bits of t hold n (two's complement); shift it into the exponent field
    return p * _as_float((_as_int(t) + 1023) << 52)


@numba.njit(inline="always", cache=True)
def sincos(x):  # pragma: no cover - compiled; tested through its numba calls
    """(sin x, cos x) for |x| ≤ 1e5; 1 ulp of 1, vectorisable."""
    t = x * TWO_OVER_PI + SHIFTER
    q = t - SHIFTER
    qi = _as_int(t)
    r = x - q * PIO2_HI - q * PIO2_LO
    r2 = r * r
    s = r + (horner(_S[1:], r2) * r2) * r  # r - r³/3! + r⁵/5! - ...
    c = horner(_C, r2)  # 1 - r²/2! + r⁴/4! - ...
    # sin/cos of r + q π/2: swap on odd q; sin negated for q ≡ 2, 3 and cos for q ≡ 1, 2 (mod 4)
    odd = (qi & 1) == 1
    sn = c if odd else s
    cs = s if odd else c
    return (1.0 - 2.0 * ((qi >> 1) & 1)) * sn, (1.0 - 2.0 * (((qi + 1) >> 1) & 1)) * cs
