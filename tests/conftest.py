import pytest

import matcalc as mc


class Symbols:
    """Distinct dimensions n, m, p so that a missing transpose cannot hide."""

    def __init__(self):
        self.n, self.m, self.p = mc.dims("n m p")
        n, m = self.n, self.m
        self.a, self.x, self.y, self.z, self.t = (mc.vector(s, n) for s in "axyzt")
        self.b = mc.vector("b", n)
        self.bm = mc.vector("b", m)
        self.c, self.d, self.lam = mc.scalar("c"), mc.scalar("d"), mc.scalar("lam")
        self.A = mc.matrix("A", n)
        self.Am = mc.matrix("A", m, n)
        self.B = mc.matrix("B", n)
        self.Bnm = mc.matrix("B", n, m)
        self.S = mc.matrix("S", n, symmetric=True)
        self.P = mc.matrix("P", n, spd=True)
        self.D = mc.matrix("D", n, diagonal=True)
        self.W = mc.matrix("W", m, n)
        self.X = mc.matrix("X", n)
        self.Xmn = mc.matrix("X", m, n)


@pytest.fixture
def s():
    return Symbols()


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current output instead of comparing")


@pytest.fixture
def regen_golden(request):
    return request.config.getoption("--regen-golden")
