package main

// Help texts of gorl evolve.

const evolveLong = `Evolve the drift network of a learned PPO objective with OpenES (mean starting at
zero, i.e. at PPO-clip). Every member of a generation trains a fresh PPO agent for
--inner-steps environment steps with its drift; its fitness is the mean return of
deterministic evaluation episodes afterwards. The run directory holds config.json,
metrics.parquet (one row per generation: fitness_mean/max/min of the population,
mean_fitness of the search mean and clip_fitness of PPO-clip on the same inner seed,
sigma, lr, env steps, wall time), mean.drift and best.drift (use them with gorl train --objective lpo|ta-lpo
--objective-params FILE) and es_state.json.

--objective lpg|ta-lpg evolves an LPG update rule instead (Oh et al. 2020, as simplified
in Jackson et al. 2024; ta-lpg also reads n/N and log N): a meta-network with a
reverse-time GRU (--hidden units, default 32; the reference uses 256) that turns each
rollout into the targets of an LPG agent's loss. The search starts at a randomly
initialised rule; every member trains a fresh LPG agent (8 environments x 20 steps per
update) and clip_fitness is still PPO-clip's with the same budget. Unless set, sigma is
0.1 and fixed (groove's TA-LPG ES) and the fitness episodes sample their actions from
the policy (groove's evaluation; --fitness-policy). The run directory holds mean.lpg and
best.lpg (gorl train --algo lpg --update-rule FILE). --lifetimes MIN:MAX gives each
antithetic pair its own lifetime in updates, log-uniform in [MIN, MAX] (groove: 10:250),
and --pair-rank ranks members within their pair (1 or 0) instead of across the population.

--protocol groove meta-trains LPG rules as groove does (Jackson et al. 2024): population/2
agents live across generations; each antithetic pair of members trains a copy of its
agent for --updates-per-generation (K, default 5) more updates, the pair is ranked by the
copies' returns (pair-rank shaping) and the fitter copy survives; an agent whose sampled
lifetime (--lifetimes, default 10:250 updates, log-uniform) is used up is replaced by a
fresh one on a new level (grid/ envs: option level); groove's ES keeps sigma 0.1 and
the lr fixed. No search-mean or PPO-clip reference runs are made under this protocol.

--strategy picks the evolution strategy: openes (default), snes or cmaes (full
covariance, at most 1000 parameters: use a small --hidden). --shaping picks the fitness
shaping before each update: rank (centred ranks), zscore (LPO's released code; the
default for lpo/ta-lpo) or pair-rank (groove; the default under --protocol groove).

With --distributed, members are evaluated by worker processes (gorl worker --nats URL,
on this or other machines) instead of goroutines: this process starts an embedded NATS
server (or connects to --nats URL), prints the URL, and hands each member to the next
idle worker. A worker that dies mid-evaluation loses nothing: its member goes to
another worker once it has been silent for --item-timeout. When no worker is heard
from for --worker-timeout, evolve fails. Every member's fitness depends only on the
config, the seed, the generation and the member, so the result is the same whether
members run locally, on 1 worker or on 30 (workers refuse jobs from another gorl
version, CPU architecture or nn backend); --resume may switch between local and
distributed evaluation.

The embedded server admits workers by a token made fresh for each run and printed
with the worker command (pass it as GORL_NATS_TOKEN); a worker may only pull work and
answer the members handed to it, and every result must carry the secret ticket of its
hand-out, so other clients can neither read members nor forge fitness. Messages that
do not decode or carry no valid ticket are dropped and counted (metrics columns
messages_malformed and messages_rejected). --tls-cert/--tls-key make the server speak
TLS only (workers: --tls-ca). --no-auth drops the token, on loopback addresses only.`

const evolveExample = `  gorl evolve --objective lpo --generations 10 --population 8 --inner-steps 20000 --seed 1
  gorl evolve --objective ta-lpo --env CartPole-v1 --run-dir runs/talpo
  gorl train --objective lpo --objective-params runs/talpo/mean.drift
  gorl evolve --objective ta-lpg --generations 10 --population 16 --lifetimes 10:250 --pair-rank --run-dir runs/talpg
  gorl train --algo lpg --update-rule runs/talpg/mean.lpg
  gorl evolve --objective ta-lpg --env grid/random --protocol groove --population 16 --generations 200 --run-dir runs/talpg-groove
  gorl evolve --objective ta-lpo --env MinAtar/SpaceInvaders-v1 --inner-steps 100000 --strategy snes --hidden 16

  # distributed: this process embeds the NATS server; start workers with the URL it prints
  gorl evolve --objective lpo --population 32 --distributed --listen 0.0.0.0:4222 --run-dir runs/lpo
  GORL_NATS_TOKEN=TOKEN gorl worker --nats nats://HOST:4222   # on each worker machine
  gorl evolve --objective lpo --nats nats://broker:4222 --run-dir runs/lpo2   # an existing NATS server`
