"""Reference trajectories for the tests in reference_test.go.

Plain Python floats (the float64 arithmetic NumPy uses for Gymnasium's scalar state), with
each environment's step written out as Gymnasium's classic-control module defines it.
Run with python3 and paste the output into reference_test.go.
"""
import math
import struct


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def cartpole(state, actions):
    g, mc, mp, l, fmag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    total = mp + mc
    pml = mp * l
    thr = 12 * 2 * math.pi / 360
    x, xd, th, thd = state
    out = []
    for a in actions:
        f = fmag if a == 1 else -fmag
        c, s = math.cos(th), math.sin(th)
        temp = (f + pml * thd**2 * s) / total
        thacc = (g * s - c * temp) / (l * (4.0 / 3.0 - mp * c**2 / total))
        xacc = temp - pml * thacc * c / total
        x = x + tau * xd
        xd = xd + tau * xacc
        th = th + tau * thd
        thd = thd + tau * thacc
        term = x < -2.4 or x > 2.4 or th < -thr or th > thr
        out.append(([x, xd, th, thd], 1.0, term))
    return out


def acrobot(state, actions):
    def dsdt(y):
        m1 = m2 = l1 = 1.0
        lc1 = lc2 = 0.5
        I1 = I2 = 1.0
        g = 9.8
        t1, t2, d1_, d2_, a = y
        d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * math.cos(t2)) + I1 + I2
        d2 = m2 * (lc2**2 + l1 * lc2 * math.cos(t2)) + I2
        phi2 = m2 * lc2 * g * math.cos(t1 + t2 - math.pi / 2.0)
        phi1 = (-m2 * l1 * lc2 * d2_**2 * math.sin(t2)
                - 2 * m2 * l1 * lc2 * d2_ * d1_ * math.sin(t2)
                + (m1 * lc1 + m2 * l1) * g * math.cos(t1 - math.pi / 2) + phi2)
        dd2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * d1_**2 * math.sin(t2) - phi2) / (
            m2 * lc2**2 + I2 - d2**2 / d1)
        dd1 = -(d2 * dd2 + phi1) / d1
        return [d1_, d2_, dd1, dd2, 0.0]

    def wrap(x):
        while x > math.pi:
            x -= 2 * math.pi
        while x < -math.pi:
            x += 2 * math.pi
        return x

    s = list(state)
    out = []
    dt = 0.2
    for a in actions:
        y0 = s + [[-1.0, 0.0, 1.0][a]]
        k1 = dsdt(y0)
        k2 = dsdt([y + dt / 2 * k for y, k in zip(y0, k1)])
        k3 = dsdt([y + dt / 2 * k for y, k in zip(y0, k2)])
        k4 = dsdt([y + dt * k for y, k in zip(y0, k3)])
        ns = [y + dt / 6.0 * (a1 + 2 * a2 + 2 * a3 + a4) for y, a1, a2, a3, a4 in zip(y0, k1, k2, k3, k4)][:4]
        ns[0], ns[1] = wrap(ns[0]), wrap(ns[1])
        ns[2] = min(max(ns[2], -4 * math.pi), 4 * math.pi)
        ns[3] = min(max(ns[3], -9 * math.pi), 9 * math.pi)
        s = ns
        term = -math.cos(s[0]) - math.cos(s[1] + s[0]) > 1.0
        obs = [math.cos(s[0]), math.sin(s[0]), math.cos(s[1]), math.sin(s[1]), s[2], s[3]]
        out.append((obs, 0.0 if term else -1.0, term))
    return out


def pendulum(state, actions):
    th, thd = state
    out = []
    for u in actions:
        u = min(max(u, -2.0), 2.0)
        an = ((th + math.pi) % (2 * math.pi)) - math.pi
        cost = an**2 + 0.1 * thd**2 + 0.001 * (u**2)
        nthd = thd + (3 * 10.0 / (2 * 1.0) * math.sin(th) + 3.0 / (1.0 * 1.0**2) * u) * 0.05
        nthd = min(max(nthd, -8.0), 8.0)
        th = th + nthd * 0.05
        thd = nthd
        out.append(([math.cos(th), math.sin(th), thd], -cost, False))
    return out


def mountaincar(state, actions):
    x, v = state
    out = []
    for a in actions:
        v += (a - 1) * 0.001 + math.cos(3 * x) * (-0.0025)
        v = min(max(v, -0.07), 0.07)
        x += v
        x = min(max(x, -1.2), 0.6)
        if x == -1.2 and v < 0:
            v = 0.0
        out.append(([x, v], -1.0, x >= 0.5 and v >= 0))
    return out


def mountaincar_continuous(state, actions):
    x, v = state
    out = []
    for a in actions:
        force = min(max(a, -1.0), 1.0)
        v += force * 0.0015 - 0.0025 * math.cos(3 * x)
        if v > 0.07:
            v = 0.07
        if v < -0.07:
            v = -0.07
        x += v
        if x > 0.6:
            x = 0.6
        if x < -1.2:
            x = -1.2
        if x == -1.2 and v < 0:
            v = 0.0
        term = x >= 0.45 and v >= 0
        r = 100.0 if term else 0.0
        r -= math.pow(a, 2) * 0.1
        x, v = f32(x), f32(v)
        out.append(([x, v], r, term))
    return out


def emit(name, rows):
    print("var %s = []refStep{" % name)
    for obs, r, term in rows:
        print("\t{obs: []float64{%s}, reward: %r, terminated: %s}," % (
            ", ".join(repr(float(o)) for o in obs), r, "true" if term else "false"))
    print("}\n")


emit("refCartPole", cartpole([0.01, -0.02, 0.03, 0.04], [1, 1, 0, 1, 0, 0, 0, 1]))
emit("refAcrobot", acrobot([0.05, -0.03, 0.02, -0.01], [2, 2, 0, 1, 2, 2, 0, 0]))
emit("refPendulum", pendulum([2.5, -0.5], [1.5, -2.7, 0.3, 2.0, -1.0, 0.0, 3.0, -0.2]))
emit("refMountainCar", mountaincar([-0.5, 0.0], [2, 2, 0, 1, 2, 0, 0, 2]))
emit("refMountainCarContinuous", mountaincar_continuous([-0.5, 0.0], [0.8, -1.5, 0.2, 1.0, 2.0, -0.3, 0.0, 1.0]))
# near the goal and near the left wall
emit("refMountainCarGoal", mountaincar([0.49, 0.02], [2, 2]))
emit("refMountainCarWall", mountaincar([-1.19, -0.03], [0, 0, 2]))
emit("refMountainCarContinuousGoal", mountaincar_continuous([0.44, 0.02], [0.5, -2.0]))
emit("refMountainCarContinuousWall", mountaincar_continuous([-1.19, -0.03], [-1.0, -1.0, 1.0]))
# Acrobot: a goal state (terminates), and a fast state that wraps past π and hits the
# velocity bounds.
emit("refAcrobotGoal", acrobot([3.0, 0.0, 0.0, 0.0], [1]))
emit("refAcrobotFast", acrobot([3.1, -3.1, 12.5, -28.0], [2, 0]))
# Pendulum past the speed limit and with a wound-up angle.
emit("refPendulumFast", pendulum([13.0, 7.9], [2.0, 2.0]))
# Pendulum at a negative angle (the modulo in the cost must be non-negative).
emit("refPendulumNegative", pendulum([-4.0, -1.0], [0.5, -0.5]))
