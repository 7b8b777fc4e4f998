// Package logs writes and reads gorl's run directories.
//
// A run lives in one directory:
//
//	config.json              everything needed to rerun (written by Create)
//	status.json              running / finished / failed, with the writer's pid
//	steps/part-NNNNN.parquet one row per environment step (may be thinned or off)
//	episodes.parquet         one row per finished episode
//	metrics.parquet          one row per update / generation / episode batch
//	checkpoints/             written by agents (atomic rename)
//
// Every Parquet file is complete at all times: a part file is written to a temporary
// name, synced and renamed; episodes.parquet and metrics.parquet are rewritten the same
// way on each flush. A process killed with SIGKILL leaves readable files and loses at
// most the rows buffered since the last flush.
//
// Step columns: run_id, env_id, episode, step, obs (list<double>), action (list<double>),
// reward, terminated, truncated, context (nullable int64: the latent context, revealed in
// hindsight), log_prob and value (nullable double), body_pos and body_quat (list<double>,
// 3 and 4 values per body, for 3D tasks).
//
// Episode columns: run_id, env_id, episode, seed, return, length, terminated, truncated,
// env_steps (cumulative at the episode's end), wall_seconds (since the run started),
// context (nullable int64); progress, heading, alive, control (nullable double: the
// episode's sums of the reward's terms in 3D locomotion tasks, adding up to the return;
// null elsewhere).
//
// Metrics columns: run_id, seed, iteration, env_steps, wall_seconds, and one nullable
// double column per metric name (loss, regret, fitness, ...). The file stores its columns
// in alphabetical order; select them by name.
//
// Episode ids are unique within a run; step counts from 0 within an episode. This
// package imports no other gorl package.
//
// # Analysis
//
// Summarize, LoadSeries with Aggregate (curves; drawn by logs/plot), Compare (final
// performance with a bootstrap interval), EpisodesTable, MetricsTableOf and ExportSteps
// back `gorl logs`. ScanColumns streams chosen scalar columns page by page, so a summary
// of any number of step rows runs in bounded memory. The files need nothing from gorl:
// DuckDB reads them directly (quote "return"; lists are 1-based), e.g.
//
//	SELECT run_id, count(*) AS episodes, avg("return") AS mean_return, max(env_steps) AS env_steps
//	FROM read_parquet('runs/*/episodes.parquet') GROUP BY run_id ORDER BY run_id;
//
//	SELECT episode, count(*) AS length, sum(reward) AS "return"
//	FROM read_parquet('runs/demo/steps/*.parquet') GROUP BY episode ORDER BY episode;
//
// README.md in this directory has more queries (metrics, final returns) and the export
// column names.
package logs
