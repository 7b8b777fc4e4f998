package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"gorl/logs"
	"gorl/logs/plot"
)

// curveFlags select and group the series of `gorl logs curve` and `gorl logs compare`.
type curveFlags struct {
	metric, by, x string
}

func (f *curveFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.metric, "metric", "return", "return or length (episodes.parquet), or a metrics.parquet column: regret, fitness, loss, ...")
	cmd.Flags().StringVar(&f.by, "by", "run", "group runs by this config key: seed, algo, env, objective, any config.json key, or run")
}

func (f *curveFlags) load(args []string) ([]logs.Series, error) {
	runs, err := logs.ExpandRuns(args)
	if err != nil {
		return nil, err
	}
	return logs.LoadSeries(runs, logs.CurveSpec{Metric: f.metric, X: f.x, By: f.by})
}

func newLogsCurveCmd() *cobra.Command {
	c := &curveCmd{}
	f, agg, fig := &c.f, &c.agg, &c.fig
	cmd := &cobra.Command{
		Use:   "curve RUN... --out curve.png",
		Short: "Draw learning curves: mean and confidence band per group of runs, on one figure",
		Long: `Draw a metric of the runs against env steps or wall time. Runs (and the seeds of a
run that logs several) are grouped by a config key; each group is drawn as the mean of
its curves, interpolated on a common grid over the x range they all cover, with a
band: by default the percentile bootstrap interval of the mean, the method of gorl logs
compare (--band ci for Student-t, se, sd, minmax or none); the legend states it, and a
group of fewer than 3 series gets no band. Runs of different envs are refused on one
axis unless --mixed-envs. x is on a log scale for --metric regret (--log-x). A RUN that
is not a run directory stands for the runs under it. The image format follows --out's
extension (png, svg, pdf).`,
		Args: cobra.MinimumNArgs(1),
		RunE: c.run,
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.x, "x", "env_steps", "x axis: env_steps, wall_seconds, episode (return/length) or iteration (metrics)")
	cmd.Flags().StringVarP(&c.out, "out", "o", "", "image file to write (png, svg or pdf)")
	cmd.Flags().IntVar(&agg.Smooth, "smooth", 0, "trailing moving average over N rows of each run before averaging (0: none)")
	cmd.Flags().IntVar(&c.points, "points", 100, "grid points of the aggregated curves")
	cmd.Flags().Float64Var(&agg.Level, "level", 0.95, "confidence level of the band")
	cmd.Flags().StringVar(&agg.Band, "band", "bootstrap", "band around the mean: bootstrap (percentile interval of the mean, as logs compare), ci (Student-t), se, sd, minmax or none")
	cmd.Flags().IntVar(&agg.Bootstrap.Resamples, "resamples", 2000, "bootstrap resamples per grid point")
	cmd.Flags().Uint64Var(&agg.Bootstrap.Seed, "seed", 0, "seed of the bootstrap draws")
	cmd.Flags().StringVar(&c.logX, "log-x", "auto", "log x axis: on, off or auto (on for --metric regret)")
	cmd.Flags().BoolVar(&c.mixed, "mixed-envs", false, "draw runs of different envs on one axis (with a warning)")
	cmd.Flags().StringVar(&fig.Title, "title", "", "figure title")
	cmd.Flags().BoolVar(&fig.Members, "members", false, "also draw each run's curve as a thin line")
	cmd.Flags().Float64Var(&fig.Width, "width", 8, "figure width in inches")
	cmd.Flags().Float64Var(&fig.Height, "height", 5, "figure height in inches")
	return cmd
}

// curveCmd holds the flags of gorl logs curve.
type curveCmd struct {
	f      curveFlags
	agg    logs.Aggregate
	fig    plot.Figure
	out    string
	points int
	logX   string
	mixed  bool
}

// validate checks the flags and settles the log x axis.
func (c *curveCmd) validate() error {
	f, agg, fig, out, points, logX := &c.f, &c.agg, &c.fig, c.out, c.points, c.logX
	if out == "" {
		return fmt.Errorf("--out is required (e.g. --out curve.png)")
	}
	if err := checkOutputFile("out", out, imageExts); err != nil {
		return err
	}
	if f.x != "env_steps" && f.x != "wall_seconds" && f.x != "episode" && f.x != "iteration" {
		return fmt.Errorf("unknown --x %q (want env_steps, wall_seconds, episode or iteration)", f.x)
	}
	if agg.Smooth < 0 {
		return fmt.Errorf("--smooth must be >= 0, got %d", agg.Smooth)
	}
	if points < 2 || points > maxPoints {
		return fmt.Errorf("--points must be in [2, %d], got %d", maxPoints, points)
	}
	if !(agg.Level > 0 && agg.Level < 1) {
		return fmt.Errorf("--level must be in (0, 1), got %v", agg.Level)
	}
	if !(fig.Width > 0 && fig.Width <= maxInches) || !(fig.Height > 0 && fig.Height <= maxInches) {
		return fmt.Errorf("--width and --height must be in (0, %d] inches, got %v and %v", maxInches, fig.Width, fig.Height)
	}
	if !slices.Contains(logs.Bands, agg.Band) {
		return fmt.Errorf("unknown --band %q (want %s)", agg.Band, strings.Join(logs.Bands, ", "))
	}
	if agg.Bootstrap.Resamples < 1 || agg.Bootstrap.Resamples > maxResamples {
		return fmt.Errorf("--resamples must be in [1, %d], got %d", maxResamples, agg.Bootstrap.Resamples)
	}
	switch logX {
	case "auto":
		fig.LogX = f.metric == "regret"
	case "on", "off":
		fig.LogX = logX == "on"
	default:
		return fmt.Errorf("unknown --log-x %q (want auto, on or off)", logX)
	}
	return nil
}

func (c *curveCmd) run(cmd *cobra.Command, args []string) error {
	if err := c.validate(); err != nil {
		return err
	}
	f, agg, fig, out, points, mixed := &c.f, &c.agg, &c.fig, c.out, c.points, c.mixed
	agg.Points, agg.Bootstrap.Level, agg.LogGrid = points, agg.Level, fig.LogX
	fig.BandLabel = agg.BandLabel()
	series, err := f.load(args)
	if err != nil {
		return err
	}
	if err := logs.MixedEnvs(series); err != nil {
		if !mixed {
			return fmt.Errorf("%w; plot them separately, or pass --mixed-envs", err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %v\n", err)
	}
	curves := agg.Curves(series)
	if fig.XLabel == "" {
		fig.XLabel = strings.ReplaceAll(f.x, "_", " ")
	}
	if fig.YLabel == "" {
		fig.YLabel = f.metric
		if agg.Smooth > 1 {
			fig.YLabel = fmt.Sprintf("%s (moving average of %d)", f.metric, agg.Smooth)
		}
	}
	if err := fig.Save(out, curves); err != nil {
		return err
	}
	var desc []string
	for _, c := range curves {
		if len(c.X) == 0 {
			desc = append(desc, fmt.Sprintf("%s n=%d (left out: no common x range)", c.Group, c.N))
			continue
		}
		desc = append(desc, fmt.Sprintf("%s n=%d", c.Group, c.N))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d series in %d groups (%s)\n", out, len(series), len(curves), strings.Join(desc, ", "))
	return nil
}

func newLogsCompareCmd() *cobra.Command {
	var (
		f      curveFlags
		cmp    logs.Compare
		format string
	)
	cmd := &cobra.Command{
		Use:   "compare RUN...",
		Short: "Compare final performance per group: mean, standard error, bootstrap confidence interval",
		Long: `Compare the final performance of groups of runs. Each run (or each seed of a run
that logs several) scores the mean of its last --last values of the metric (by default
the mean return of its last 20 episodes); each group reports n, mean, sample standard
deviation, standard error and a percentile bootstrap confidence interval of the mean
(--resamples draws from a PCG stream seeded with --seed: reproducible), min and max.
A RUN that is not a run directory stands for the runs under it.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			if cmp.Last < 1 || cmp.Bootstrap.Resamples < 1 {
				return fmt.Errorf("--last and --resamples must be at least 1")
			}
			if cmp.Bootstrap.Resamples > maxResamples {
				return fmt.Errorf("--resamples must be at most %d, got %d", maxResamples, cmp.Bootstrap.Resamples)
			}
			if !(cmp.Bootstrap.Level > 0 && cmp.Bootstrap.Level < 1) {
				return fmt.Errorf("--level must be in (0, 1), got %v", cmp.Bootstrap.Level)
			}
			f.x = "env_steps"
			series, err := f.load(args)
			if err != nil {
				return err
			}
			// Groups of different envs side by side are fine; a group mixing envs averages
			// returns of different scales.
			byGroup := map[string][]logs.Series{}
			for _, s := range series {
				byGroup[s.Group] = append(byGroup[s.Group], s)
			}
			for g, members := range byGroup {
				if ids, _ := logs.Envs(members); len(ids) > 1 {
					fmt.Fprintf(cmd.ErrOrStderr(), "warning: group %s mixes envs %s: its mean averages returns of different scales\n", g, strings.Join(ids, ", "))
				}
			}
			return logs.CompareTable(cmp.Groups(series)).Write(cmd.OutOrStdout(), format)
		},
	}
	f.register(cmd)
	addFormatFlag(cmd, &format)
	cmd.Flags().IntVar(&cmp.Last, "last", logs.FinalWindow, "values averaged into each run's final value")
	cmd.Flags().IntVar(&cmp.Bootstrap.Resamples, "resamples", 10000, "bootstrap resamples")
	cmd.Flags().Float64Var(&cmp.Bootstrap.Level, "level", 0.95, "confidence level of the interval")
	cmd.Flags().Uint64Var(&cmp.Bootstrap.Seed, "seed", 0, "seed of the bootstrap draws")
	return cmd
}
