"""The Python peer of env/gym's bridge benchmark: the same Gymnasium environments stepped
by Python itself, with no bridge.

    python -m gorl_gym.bench --id CartPole-v1 --envs 8 --procs 2 --steps 20000 [--vector]

With --serve it steps blocks on request instead (see serve). Each of --procs processes
steps --envs environments --steps times (a plain loop over the
environments with same-step reset, or with --vector Gymnasium's SyncVectorEnv), with
actions drawn in advance; it prints one JSON line: env steps per second over all
processes, timed inside the processes (start-up excluded).
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np


def run_one(env_id, envs, steps, vector, seed):
    import gymnasium as gym
    rng = np.random.default_rng(seed)
    if vector:
        vec = gym.vector.SyncVectorEnv([lambda: gym.make(env_id) for _ in range(envs)],
                                       autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
        vec.reset(seed=seed)
        acts = [vec.action_space.sample() for _ in range(64)]
        t0 = time.perf_counter()
        for t in range(steps):
            vec.step(acts[t % 64])
        dt = time.perf_counter() - t0
        vec.close()
        return dt
    es = [gym.make(env_id) for _ in range(envs)]
    for i, e in enumerate(es):
        e.reset(seed=seed + i)
        e.action_space.seed(seed + i)
    acts = [[e.action_space.sample() for e in es] for _ in range(64)]
    t0 = time.perf_counter()
    for t in range(steps):
        a = acts[t % 64]
        for i, e in enumerate(es):
            _, _, term, trunc, _ = e.step(a[i])
            if term or trunc:
                e.reset()
    return time.perf_counter() - t0


def serve(env_id, envs, vector, seed, async_procs=0):
    """Steps on request: each line "N" on stdin runs N vector steps and answers the
    seconds they took, so that a benchmark can interleave its own blocks with these.
    async_procs > 0 steps Gymnasium's AsyncVectorEnv of that many environments, one
    subprocess each (Gymnasium's own lockstep multi-process vector env)."""
    import gymnasium as gym
    if async_procs:
        vec = gym.vector.AsyncVectorEnv([lambda: gym.make(env_id) for _ in range(async_procs)],
                                        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
        vec.reset(seed=seed)
        acts = [vec.action_space.sample() for _ in range(64)]

        def block(n):
            for t in range(n):
                vec.step(acts[t % 64])
    elif vector:
        vec = gym.vector.SyncVectorEnv([lambda: gym.make(env_id) for _ in range(envs)],
                                       autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
        vec.reset(seed=seed)
        acts = [vec.action_space.sample() for _ in range(64)]

        def block(n):
            for t in range(n):
                vec.step(acts[t % 64])
    else:
        es = [gym.make(env_id) for _ in range(envs)]
        for i, e in enumerate(es):
            e.reset(seed=seed + i)
            e.action_space.seed(seed + i)
        acts = [[e.action_space.sample() for e in es] for _ in range(64)]

        def block(n):
            for t in range(n):
                a = acts[t % 64]
                for i, e in enumerate(es):
                    _, _, term, trunc, _ = e.step(a[i])
                    if term or trunc:
                        e.reset()
    print("ready", flush=True)
    for line in sys.stdin:
        n = int(line)
        t0 = time.perf_counter()
        block(n)
        print(time.perf_counter() - t0, flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--id", default="CartPole-v1")
    p.add_argument("--envs", type=int, default=1)
    p.add_argument("--procs", type=int, default=1)
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--vector", action="store_true")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--serve", action="store_true", help="step blocks on request (see serve)")
    p.add_argument("--async-procs", type=int, default=0, help="with --serve: AsyncVectorEnv of this many envs")
    a = p.parse_args()
    if a.serve:
        serve(a.id, a.envs, a.vector, 0, a.async_procs)
        return
    if a.child or a.procs == 1:
        dt = run_one(a.id, a.envs, a.steps, a.vector, 0)
        print(json.dumps({"seconds": dt, "env_steps": a.envs * a.steps,
                          "env_steps_per_s": a.envs * a.steps / dt}))
        return
    cmd = [sys.executable, "-m", "gorl_gym.bench", "--id", a.id, "--envs", str(a.envs), "--steps", str(a.steps), "--child"]
    if a.vector:
        cmd.append("--vector")
    kids = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(a.procs)]
    res = [json.loads(k.communicate()[0]) for k in kids]
    # The processes run side by side: throughput is the total over the slowest one's time.
    total, slowest = sum(r["env_steps"] for r in res), max(r["seconds"] for r in res)
    print(json.dumps({"seconds": slowest, "env_steps": total, "env_steps_per_s": total / slowest}))


if __name__ == "__main__":
    main()
