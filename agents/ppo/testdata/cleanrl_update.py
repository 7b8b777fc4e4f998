"""Writes the fixtures of update_fixture_test.go: PPO updates as CleanRL performs them.

For each case the script builds CleanRL's actor and critic (64-64 tanh MLPs, orthogonal
init with gains sqrt(2), and 0.01 / 1 for the actor / critic heads) and trains them for
a few updates: each collects a rollout with the current policy on a NumPy copy of
Gymnasium's CartPole-v1 or Pendulum-v1 dynamics, then performs the update of CleanRL's
ppo.py (discrete) or ppo_continuous_action.py (Gaussian policy with a state-independent
log-std) with recorded minibatch orders. Per update it records the rollout, advantages,
returns, the loss terms and statistics of every minibatch step, CleanRL's approx_kl,
old_approx_kl, clipfrac and explained variance, and the parameters after the first and
the last update; for the main case (full) also the first minibatch's normalised
advantages, gradients (after clipping) and parameters after its step, and the Adam
moments after the last update.

Arrays are stored as base64 of little-endian float32 (uint16 for indices, uint8 for
flags), parameters in gorl's layout: Linear weights [in, out] (torch's transposed), in
the order of ppo.Agent.Params (actor.0.w, actor.0.b, ..., critic.2.b, actor.log_std).

Run with the Debian python3 that python3-torch installs into:
    /usr/bin/python3 agents/ppo/testdata/cleanrl_update.py
"""
import base64, json, os
import numpy as np
import torch, torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def b64(a, dtype=np.float32):
    return base64.b64encode(np.ascontiguousarray(np.asarray(a, dtype=dtype)).astype("<" + np.dtype(dtype).str[1:]).tobytes()).decode()


def layer(i, o, std=np.sqrt(2)):
    l = nn.Linear(i, o)
    nn.init.orthogonal_(l.weight, std)
    nn.init.constant_(l.bias, 0.0)
    return l


def mlp(i, o, head_std):
    return nn.Sequential(layer(i, 64), nn.Tanh(), layer(64, 64), nn.Tanh(), layer(64, o, head_std))


def named(actor, critic, logstd):
    """(gorl name, torch tensor, transpose) in ppo.Agent.Params order."""
    out = []
    for prefix, net in (("actor", actor), ("critic", critic)):
        for k, idx in enumerate((0, 2, 4)):
            out.append(("%s.%d.w" % (prefix, k), net[idx].weight, True))
            out.append(("%s.%d.b" % (prefix, k), net[idx].bias, False))
    if logstd is not None:
        out.append(("actor.log_std", logstd, False))
    return out


def flat(ps, what="data", state=None):
    """Concatenates the parameters' data, grad or an Adam state entry in gorl's layout."""
    parts = []
    for _, p, tr in ps:
        x = {"data": p, "grad": p.grad}[what] if state is None else state[p][what]
        x = x.detach().numpy()
        parts.append((x.T if tr else x).reshape(-1))
    return np.concatenate(parts)


class CartPole:
    def __init__(self, n, rng):
        self.rng, self.s = rng, rng.uniform(-0.05, 0.05, (n, 4))

    def obs(self):
        return self.s.astype(np.float32)

    def step(self, a):
        x, xd, th, thd = self.s.T
        f = np.where(a == 1, 10.0, -10.0)
        c, s = np.cos(th), np.sin(th)
        temp = (f + 0.05 * thd ** 2 * s) / 1.1
        tha = (9.8 * s - c * temp) / (0.5 * (4.0 / 3.0 - 0.1 * c ** 2 / 1.1))
        xa = temp - 0.05 * tha * c / 1.1
        self.s = np.stack([x + 0.02 * xd, xd + 0.02 * xa, th + 0.02 * thd, thd + 0.02 * tha], 1)
        x, th = self.s[:, 0], self.s[:, 2]
        term = (np.abs(x) > 2.4) | (np.abs(th) > 12 * 2 * np.pi / 360)
        if term.any():
            self.s[term] = self.rng.uniform(-0.05, 0.05, (term.sum(), 4))
        return np.ones(len(a), np.float32), term


class Pendulum:
    """Rewards are scaled by 1/10 to stand in for the normalised rewards of training."""

    def __init__(self, n, rng):
        self.rng = rng
        self.s = np.stack([rng.uniform(-np.pi, np.pi, n), rng.uniform(-1, 1, n)], 1)

    def obs(self):
        th, thd = self.s.T
        return np.stack([np.cos(th), np.sin(th), thd], 1).astype(np.float32)

    def step(self, a):
        th, thd = self.s.T
        u = np.clip(a[:, 0], -2.0, 2.0)
        norm = ((th + np.pi) % (2 * np.pi)) - np.pi
        cost = norm ** 2 + 0.1 * thd ** 2 + 0.001 * u ** 2
        thd = np.clip(thd + (3 * 10.0 / 2 * np.sin(th) + 3.0 * u) * 0.05, -8, 8)
        self.s = np.stack([th + thd * 0.05, thd], 1)
        return (-cost / 10).astype(np.float32), np.zeros(len(a), bool)


def case(name, discrete, envs, steps, minibatches, epochs, ent_coef, clip_vloss, lr, seed, first_update, count, num_updates, full):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    env = CartPole(envs, rng) if discrete else Pendulum(envs, rng)
    od = env.obs().shape[1]
    ad = 2 if discrete else 1
    critic = mlp(od, 1, 1.0)
    actor = mlp(od, ad, 0.01)
    logstd = None if discrete else nn.Parameter(torch.zeros(1, ad))
    ps = named(actor, critic, logstd)
    # CleanRL's Agent registers the critic first; the order only changes float sums.
    params = list(critic.parameters()) + list(actor.parameters()) + ([logstd] if logstd is not None else [])
    init = flat(ps)

    def dist(o):
        if discrete:
            return torch.distributions.Categorical(logits=actor(o))
        mean = actor(o)
        return torch.distributions.Normal(mean, logstd.expand_as(mean).exp())

    def logp(d, a):
        return d.log_prob(a) if discrete else d.log_prob(a).sum(1)

    def ent(d):
        return d.entropy() if discrete else d.entropy().sum(1)

    obs = torch.tensor(env.obs())
    opt = torch.optim.Adam(params, lr=lr, eps=1e-5)
    rollouts, trace, first, clipfracs = [], [], None, []
    for u in range(first_update, first_update + count):
        # CleanRL: frac = 1 - (iteration - 1) / num_iterations, iteration from 1.
        opt.param_groups[0]["lr"] = lr * (1.0 - u / num_updates)
        O, A, L, V, R, D = [], [], [], [], [], []
        with torch.no_grad():
            for _ in range(steps):
                d = dist(obs)
                a = d.sample()
                O.append(obs); A.append(a); L.append(logp(d, a)); V.append(critic(obs).flatten())
                r, term = env.step(a.numpy())
                R.append(torch.tensor(r)); D.append(torch.tensor(term, dtype=torch.float32))
                obs = torch.tensor(env.obs())
            last = critic(obs).flatten()
            # CleanRL's GAE; D[t] is the done flag of step t (CleanRL's dones[t + 1]).
            adv, lastgaelam = torch.zeros(steps, envs), 0
            for t in reversed(range(steps)):
                nonterm = 1.0 - D[t]
                nextv = last if t == steps - 1 else V[t + 1]
                delta = R[t] + 0.99 * nextv * nonterm - V[t]
                adv[t] = lastgaelam = delta + 0.99 * 0.95 * nonterm * lastgaelam
            ret = adv + torch.stack(V)
        n = steps * envs
        bo = torch.stack(O).reshape(n, od)
        ba = torch.stack(A).reshape(n) if discrete else torch.stack(A).reshape(n, ad)
        bl, bv = torch.stack(L).reshape(n), torch.stack(V).reshape(n)
        badv, bret = adv.reshape(n), ret.reshape(n)
        mbs = n // minibatches
        perms = [rng.permutation(n) for _ in range(epochs)]
        trace, clipfracs = [], []
        for ep in range(epochs):
            for start in range(0, n, mbs):
                mb = torch.tensor(perms[ep][start:start + mbs])
                d = dist(bo[mb])
                logratio = logp(d, ba[mb]) - bl[mb]
                ratio = logratio.exp()
                with torch.no_grad():
                    old_kl = (-logratio).mean()
                    kl = ((ratio - 1) - logratio).mean()
                    clipfracs.append(((ratio - 1.0).abs() > 0.2).float().mean().item())
                ma = badv[mb]
                ma = (ma - ma.mean()) / (ma.std() + 1e-8)
                pg = torch.max(-ma * ratio, -ma * torch.clamp(ratio, 0.8, 1.2)).mean()
                nv = critic(bo[mb]).view(-1)
                if clip_vloss:
                    vc = bv[mb] + torch.clamp(nv - bv[mb], -0.2, 0.2)
                    vl = 0.5 * torch.max((nv - bret[mb]) ** 2, (vc - bret[mb]) ** 2).mean()
                else:
                    vl = 0.5 * ((nv - bret[mb]) ** 2).mean()
                e = ent(d).mean()
                loss = pg - ent_coef * e + vl * 0.5
                opt.zero_grad()
                loss.backward()
                gn = nn.utils.clip_grad_norm_(params, 0.5)
                opt.step()
                trace.append([pg.item(), vl.item(), e.item(), loss.item(), gn.item(), kl.item(), old_kl.item(), clipfracs[-1]])
                if first is None:
                    first = {"norm_adv": b64(ma.detach()), "grads": b64(flat(ps, "grad")), "params": b64(flat(ps))}
        vy = np.var(bret.numpy())
        ev = float("nan") if vy == 0 else float(1 - np.var(bret.numpy() - bv.numpy()) / vy)
        rollouts.append({
            "obs": b64(bo), "actions": b64(ba.float()), "log_probs": b64(bl), "values": b64(bv),
            "rewards": b64(torch.stack(R).reshape(n)), "terminated": b64(torch.stack(D).reshape(n), np.uint8),
            "last_values": b64(last), "perms": [b64(p, np.uint16) for p in perms],
            "advantages": b64(badv), "returns": b64(bret),
            "trace": trace,  # per step: pg, v, entropy, loss, grad norm, approx_kl, old_approx_kl, clipfrac
            "approx_kl": trace[-1][5], "old_approx_kl": trace[-1][6], "clip_frac": float(np.mean(clipfracs)),
            "explained_variance": ev,
        })
        if u in (first_update, first_update + count - 1):
            rollouts[-1]["params"] = b64(flat(ps))  # after the update (first and last only: size)
    out = {
        "name": name, "discrete": discrete, "envs": envs, "steps": steps, "obs_dim": od, "act_dim": ad,
        "config": {"minibatches": minibatches, "epochs": epochs, "ent_coef": ent_coef if ent_coef else -1,
                   "value_clip": clip_vloss, "lr": lr},
        "first_update": first_update, "updates": num_updates,
        "params_init": b64(init),
        "rollouts": rollouts,
    }
    if full:
        st = opt.state
        out["first"] = first
        out["adam_m"], out["adam_v"] = b64(flat(ps, "exp_avg", st)), b64(flat(ps, "exp_avg_sq", st))
    with open(os.path.join(HERE, "cleanrl_%s.json" % name), "w") as f:
        json.dump(out, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    torch.set_num_threads(1)
    # ppo.py's CartPole settings (the PyTorch peer's): the first three updates of ten
    # (the learning rate annealed), each on the rollout the policy of the time collects.
    case("cartpole", True, 4, 128, 4, 4, 0.01, False, 2.5e-4, 1, 0, 3, 10, True)
    # ppo_continuous_action.py's settings on Pendulum dynamics (minibatches of 64, 10
    # epochs, no entropy bonus, value clipping, lr 3e-4), first update, on a rollout of
    # 512 steps instead of 2048 to keep the fixture small.
    case("pendulum", False, 1, 512, 8, 10, 0.0, True, 3e-4, 3, 0, 1, 10, False)
