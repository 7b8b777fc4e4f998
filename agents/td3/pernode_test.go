package td3

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorl/agents/nn"
)

// nodeStub is a per-node critic whose values ignore the inputs: Q1_ki = P1[k][i],
// Q2_ki = P2[k][i] (parameters, so the critic loss has a gradient).
type nodeStub struct{ p1, p2 *nn.Tensor }

var stubQ1 = []float32{1, 5, 2, -1, 0, 3}
var stubQ2 = []float32{2, 4, 1, 0, -2, 3}

func (c *nodeStub) Register(ps *nn.Params, prefix string) {
	ps.Add(prefix+".p1", c.p1)
	ps.Add(prefix+".p2", c.p2)
}

func (c *nodeStub) NodeForward(t *nn.Tape, obs, act *nn.Tensor) (*nn.Tensor, *nn.Tensor) {
	return c.p1, c.p2
}

func (c *nodeStub) Forward(t *nn.Tape, obs, act *nn.Tensor) (*nn.Tensor, *nn.Tensor) {
	b := c.p1.Shape[0]
	return t.Reshape(t.MeanAxis(c.p1, 1), b, 1), t.Reshape(t.MeanAxis(c.p2, 1), b, 1)
}

type stubArch struct{}

func (stubArch) NewActor(rng *rand.Rand, obsDim, actDim int) (Actor, error) {
	return MLPArch{Hidden: []int{2}}.NewActor(rng, obsDim, actDim)
}

func (stubArch) NewCritic(rng *rand.Rand, obsDim, actDim int) (Critic, error) {
	c := &nodeStub{nn.NewParam(3, 2), nn.NewParam(3, 2)}
	copy(c.p1.Data, stubQ1)
	copy(c.p2.Data, stubQ2)
	return c, nil
}

// SGRL's per-node target on hand-built values: y_ki = r_k + γ(1 − d_k) min(Q'1_ki, Q'2_ki),
// and the critic loss mean_ki (Q1_ki − y_ki)² + mean_ki (Q2_ki − y_ki)²; the averaged form
// (critic_form mean) takes the min of the node means instead.
func TestPerNodeTarget(t *testing.T) {
	reward, done := []float32{1, -1, 0.5}, []float32{0, 1, 0}
	const gamma = 0.9
	batch := func() *Batch {
		return &Batch{Obs: make([]float32, 3), Next: make([]float32, 3), Act: make([]float32, 3),
			Reward: reward, Done: done, Index: make([]int, 3)}
	}
	wantNode := []float64{1.9, 4.6, -1, -1, -1.3, 3.2} // by hand from stubQ1, stubQ2
	var wantMean [3]float64
	for k := range 3 {
		m1 := (float64(stubQ1[2*k]) + float64(stubQ1[2*k+1])) / 2
		m2 := (float64(stubQ2[2*k]) + float64(stubQ2[2*k+1])) / 2
		wantMean[k] = float64(reward[k]) + gamma*(1-float64(done[k]))*math.Min(m1, m2)
	}
	for _, form := range []string{CriticPerNode, CriticMean} {
		cfg := Config{Batch: 3, Gamma: gamma, PolicyDelay: 1000, CriticForm: form}
		a, err := New(stubArch{}, 1, 1, cfg, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		var loss float64
		if form == CriticPerNode {
			y, err := a.NodeTarget(batch(), make([]float32, 3))
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range wantNode {
				if math.Abs(float64(y.Data[i])-w) > 1e-6 {
					t.Fatalf("per-node target %v, want %v", y.Data, wantNode)
				}
				q1, q2 := float64(stubQ1[i]), float64(stubQ2[i])
				loss += ((q1-w)*(q1-w) + (q2-w)*(q2-w)) / 6
			}
		} else {
			for k, w := range wantMean {
				m1 := (float64(stubQ1[2*k]) + float64(stubQ1[2*k+1])) / 2
				m2 := (float64(stubQ2[2*k]) + float64(stubQ2[2*k+1])) / 2
				loss += ((m1-w)*(m1-w) + (m2-w)*(m2-w)) / 3
			}
		}
		st, err := a.Update(batch())
		if err != nil {
			t.Fatal(err)
		}
		// The update's own noise draw does not matter: the stub ignores the actions.
		if math.Abs(st.CriticLoss-loss) > 1e-5*loss {
			t.Errorf("%s: critic loss %v, want %v", form, st.CriticLoss, loss)
		}
	}
}
