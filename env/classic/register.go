package classic

import (
	"fmt"

	"gorl/env"
)

// The ids and time limits of Gymnasium's registry.
func init() {
	env.Register(env.Spec{
		ID:              "CartPole-v1",
		Description:     "balance a pole on a cart (Gymnasium CartPole-v1; solved at return 475)",
		MaxEpisodeSteps: 500,
		New: func(opts env.Options) (env.Env, error) {
			if err := checkOptions(opts); err != nil {
				return nil, err
			}
			return NewCartPole(), nil
		},
	})
	env.Register(env.Spec{
		ID:              "Acrobot-v1",
		Description:     "swing a two-link arm's end above the bar (Gymnasium Acrobot-v1; solved at return -100)",
		MaxEpisodeSteps: 500,
		New: func(opts env.Options) (env.Env, error) {
			if err := checkOptions(opts); err != nil {
				return nil, err
			}
			return NewAcrobot(), nil
		},
	})
	env.Register(env.Spec{
		ID:              "Pendulum-v1",
		Description:     "swing a pendulum up and hold it (Gymnasium Pendulum-v1; option g, default 10)",
		MaxEpisodeSteps: 200,
		New: func(opts env.Options) (env.Env, error) {
			if err := checkOptions(opts, "g"); err != nil {
				return nil, err
			}
			g, err := opts.Float("g", pendulumDefaultG)
			if err != nil {
				return nil, err
			}
			if !(g > 0) || g > 1e6 {
				return nil, fmt.Errorf("option g=%v: gravity must be positive and at most 1e6", g)
			}
			return NewPendulum(g), nil
		},
	})
	env.Register(env.Spec{
		ID:              "MountainCar-v0",
		Description:     "drive an under-powered car up a hill (Gymnasium MountainCar-v0; solved at return -110)",
		MaxEpisodeSteps: 200,
		New: func(opts env.Options) (env.Env, error) {
			if err := checkOptions(opts); err != nil {
				return nil, err
			}
			return NewMountainCar(), nil
		},
	})
	env.Register(env.Spec{
		ID:              "MountainCarContinuous-v0",
		Description:     "mountain car with a continuous force (Gymnasium MountainCarContinuous-v0; solved at return 90)",
		MaxEpisodeSteps: 999,
		New: func(opts env.Options) (env.Env, error) {
			if err := checkOptions(opts); err != nil {
				return nil, err
			}
			return NewMountainCarContinuous(), nil
		},
	})
}
