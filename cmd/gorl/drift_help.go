package main

// Help texts of gorl drift clip and gorl drift horizons.

const driftHorizonsLong = `Test how a learned drift generalises across training horizons (Jackson et al. 2024): for
each factor f of --factors, train PPO for N0 x f environment steps (N0 = --train-steps)
with the drift in FILE, whose n/N input then follows that run's own number of updates,
and with PPO-clip; optionally with a second drift (--baseline, e.g. a non-temporal LPO
evolved with the same budget). Every method and horizon runs --seeds seeds (--seed,
--seed+1, ...; the same seeds for every method, so differences are paired). A run's
final return is the mean return of --eval-episodes deterministic episodes after its last
update (metrics.parquet's eval_return).

--shuffle-progress adds the drift with its n/N schedule randomly permuted (every value
once, in random order), --fixed-progress X the drift with n/N held at X: if the drift
uses n/N, these should do worse; the vs_drift column shows the change.

PPO settings are CleanRL's defaults for the environment, as gorl train's (on discrete
action spaces also those of gorl evolve's inner runs). Each inner run writes a run
directory (config.json, episodes, metrics, checkpoints) under --run-dir, named
f<factor>-<method>-s<seed>; the directory also gets drift-horizons.json (the
experiment's settings) and horizons.csv (the table).
gorl logs compare DIR --metric eval_return --last 1 --by method reads the runs back.
A run whose loss turns non-finite counts as diverged and is left out of the mean. --inner-from DIR trains with the inner runs'
settings of gorl evolve's run DIR (PPO settings, envs, rollout steps; its env unless --env
is given), so the drift is tested under the PPO it was evolved with. The
table's ci95 is the half-width of the 95% interval of the mean (Student's t).`

const driftHorizonsExample = `  gorl drift horizons runs/talpo/mean.drift --train-steps 20000 --factors 0.25,0.5,1,2,4 --seeds 5
  gorl drift horizons runs/talpo/mean.drift --baseline runs/lpo/mean.drift --shuffle-progress`

const driftClipLong = `Compute the effective clip range of a PPO objective: for each advantage A (--adv, in units
of the per-batch normalised advantage) and training progress n/N (--points values from 0
to 1), the ratio

  r*(A, n/N) = argmax_r ( r A - drift(r, A, n/N) )

over a grid of ratios (--r-min, --r-max, --r-step). For A > 0 it is the effective upper
bound of the probability ratio, for A < 0 the lower one; PPO-clip gives 1 + eps and
1 - eps at every n/N. Where the surrogate is flat at its maximum (PPO-clip beyond its
bounds), r* is the maximiser closest to 1. A bound the grid does not contain (the
surrogate still rises at the grid's end, as DPO's for A > 0) is marked: ">=" or "<=" in
the table, at_edge in csv/json.

r* is the global maximiser on the grid: a wider grid may find a farther maximum (an
evolved drift's surrogate can have several).

FILE is a drift network file (gorl evolve's mean.drift or best.drift); without it,
--objective clip or dpo analyses a built-in objective. A temporally-aware drift (ta-lpo)
whose r* does not move with n/N does not use its progress input; the "spread" line says
by how much r* moves for each A. TA-LPO's temporal inputs (n/N) x vanish at n/N = 0, so
any non-zero temporal weights move r* more as n/N grows, useful or not: gorl drift
horizons --shuffle-progress tests whether the movement helps training.

The table format (default) has one row per n/N and one column per A; csv, json and
jsonl have one row per (A, n/N) with adv, progress, ratio, surrogate and at_edge.
--out draws r* against n/N, one line per A, with PPO-clip's bounds dashed.`

const driftClipExample = `  gorl drift clip runs/talpo/mean.drift --out clip.png
  gorl drift clip runs/talpo/mean.drift --adv -1,1 --points 21 --format csv
  gorl drift clip --objective dpo --r-max 3`
