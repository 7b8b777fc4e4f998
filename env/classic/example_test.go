package classic_test

import (
	"fmt"

	"gorl/env"
	_ "gorl/env/classic" // registers CartPole-v1 and the other classic-control ids
)

// A seeded CartPole-v1 episode with a simple angle-feedback policy: push towards the side
// the pole leans to. The time limit of 500 steps comes from env.Make.
func Example() {
	e, err := env.Make("CartPole-v1", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	e.Seed(1)
	obs := e.Reset()
	action := []float64{0}
	ret, steps := 0.0, 0
	for {
		// obs is (x, ẋ, θ, θ̇); lean right (θ + θ̇/2 > 0) → push right (action 1).
		action[0] = 0
		if obs[2]+0.5*obs[3] > 0 {
			action[0] = 1
		}
		tr := e.Step(action)
		ret += tr.Reward
		steps++
		obs = tr.Obs
		if tr.Done() {
			fmt.Printf("return %.0f after %d steps (terminated %v, truncated %v)\n", ret, steps, tr.Terminated, tr.Truncated)
			return
		}
	}
	// Output: return 500 after 500 steps (terminated false, truncated true)
}
