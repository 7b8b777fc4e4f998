package main

import (
	"fmt"

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
	if c.out == "" {
		return fmt.Errorf("--out is required (e.g. --out curve.png)")
	}
	if err := checkOutputFile("out", c.out, imageExts); err != nil {
		return err
	}
	if err := logs.CheckCurveX(c.f.x); err != nil {
		return err
	}
	c.agg.Points = c.points
	if err := c.agg.CheckFlags(); err != nil {
		return err
	}
	if err := plot.CheckSize(c.fig.Width, c.fig.Height); err != nil {
		return err
	}
	switch c.logX {
	case "auto":
		c.fig.LogX = c.f.metric == "regret"
	case "on", "off":
		c.fig.LogX = c.logX == "on"
	default:
		return fmt.Errorf("unknown --log-x %q (want auto, on or off)", c.logX)
	}
	return nil
}

func (c *curveCmd) run(cmd *cobra.Command, args []string) error {
	if err := c.validate(); err != nil {
		return err
	}
	f, agg, fig := &c.f, &c.agg, &c.fig
	agg.Bootstrap.Level, agg.LogGrid = agg.Level, fig.LogX
	fig.BandLabel = agg.BandLabel()
	series, err := f.load(args)
	if err != nil {
		return err
	}
	if err := logs.MixedEnvs(series); err != nil {
		if !c.mixed {
			return fmt.Errorf("%w; plot them separately, or pass --mixed-envs", err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %v\n", err)
	}
	curves := agg.Curves(series)
	fig.DefaultLabels(f.x, f.metric, agg.Smooth)
	if err := fig.Save(c.out, curves); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d series in %d groups (%s)\n", c.out, len(series), len(curves), logs.Describe(curves))
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
			if err := cmp.CheckFlags(); err != nil {
				return err
			}
			f.x = "env_steps"
			series, err := f.load(args)
			if err != nil {
				return err
			}
			for _, w := range logs.WarnMixedGroups(series) {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
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
