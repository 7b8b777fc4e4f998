package classic

import (
	"math"
	"testing"

	"gorl/env"
)

// The tables below are trajectories computed by testdata/reference.py, an independent
// transcription of Gymnasium's step functions into plain Python floats. Each test sets
// the state by hand, applies the same actions and compares every observation, reward and
// termination flag. Tolerances allow for last-bit differences between Go's and the C
// library's sin and cos; they are far below any modelling error (a wrong constant or
// integration order shows up in the third or fourth digit).

type refStep struct {
	obs        []float64
	reward     float64
	terminated bool
}

func checkTrajectory(t *testing.T, name string, e env.Env, actions [][]float64, want []refStep) {
	t.Helper()
	for i, w := range want {
		tr := e.Step(actions[i])
		for j := range w.obs {
			if !closeTo(tr.Obs[j], w.obs[j], 1e-11) {
				t.Fatalf("%s step %d: obs[%d] = %.17g, want %.17g (obs %v)", name, i, j, tr.Obs[j], w.obs[j], tr.Obs)
			}
		}
		if !closeTo(tr.Reward, w.reward, 1e-11) || tr.Terminated != w.terminated || tr.Truncated {
			t.Fatalf("%s step %d: reward %v terminated %v truncated %v, want %v %v false",
				name, i, tr.Reward, tr.Terminated, tr.Truncated, w.reward, w.terminated)
		}
	}
}

// closeTo compares with a tolerance relative to max(1, |want|).
func closeTo(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func actionsOf(vals ...float64) [][]float64 {
	out := make([][]float64, len(vals))
	for i, v := range vals {
		out[i] = []float64{v}
	}
	return out
}

func TestCartPoleMatchesReference(t *testing.T) {
	c := NewCartPole()
	c.State = [4]float64{0.01, -0.02, 0.03, 0.04}
	checkTrajectory(t, "CartPole", c, actionsOf(1, 1, 0, 1, 0, 0, 0, 1), refCartPole)
}

func TestAcrobotMatchesReference(t *testing.T) {
	a := NewAcrobot()
	a.State = [4]float64{0.05, -0.03, 0.02, -0.01}
	checkTrajectory(t, "Acrobot", a, actionsOf(2, 2, 0, 1, 2, 2, 0, 0), refAcrobot)
	a.State = [4]float64{3.0, 0, 0, 0}
	checkTrajectory(t, "Acrobot goal", a, actionsOf(1), refAcrobotGoal)
	a.State = [4]float64{3.1, -3.1, 12.5, -28.0}
	checkTrajectory(t, "Acrobot fast", a, actionsOf(2, 0), refAcrobotFast)
}

func TestPendulumMatchesReference(t *testing.T) {
	p := NewPendulum(0)
	p.State = [2]float64{2.5, -0.5}
	checkTrajectory(t, "Pendulum", p, actionsOf(1.5, -2.7, 0.3, 2.0, -1.0, 0.0, 3.0, -0.2), refPendulum)
	p.State = [2]float64{13.0, 7.9}
	checkTrajectory(t, "Pendulum fast", p, actionsOf(2, 2), refPendulumFast)
	p.State = [2]float64{-4.0, -1.0}
	checkTrajectory(t, "Pendulum negative", p, actionsOf(0.5, -0.5), refPendulumNegative)
}

func TestMountainCarMatchesReference(t *testing.T) {
	m := NewMountainCar()
	m.State = [2]float64{-0.5, 0}
	checkTrajectory(t, "MountainCar", m, actionsOf(2, 2, 0, 1, 2, 0, 0, 2), refMountainCar)
	m.State = [2]float64{0.49, 0.02}
	checkTrajectory(t, "MountainCar goal", m, actionsOf(2, 2), refMountainCarGoal)
	m.State = [2]float64{-1.19, -0.03}
	checkTrajectory(t, "MountainCar wall", m, actionsOf(0, 0, 2), refMountainCarWall)
}

func TestMountainCarContinuousMatchesReference(t *testing.T) {
	m := NewMountainCarContinuous()
	m.State = [2]float64{-0.5, 0}
	checkTrajectory(t, "MountainCarContinuous", m, actionsOf(0.8, -1.5, 0.2, 1.0, 2.0, -0.3, 0.0, 1.0), refMountainCarContinuous)
	m.State = [2]float64{0.44, 0.02}
	checkTrajectory(t, "MountainCarContinuous goal", m, actionsOf(0.5, -2), refMountainCarContinuousGoal)
	m.State = [2]float64{-1.19, -0.03}
	checkTrajectory(t, "MountainCarContinuous wall", m, actionsOf(-1, -1, 1), refMountainCarContinuousWall)
}

var refCartPole = []refStep{
	{obs: []float64{0.009600000000000001, 0.17467919574755525, 0.030799999999999998, -0.2430687179600081}, reward: 1.0, terminated: false},
	{obs: []float64{0.013093583914951107, 0.3693479760579556, 0.025938625640799837, -0.5258796280501483}, reward: 1.0, terminated: false},
	{obs: []float64{0.02048054343611022, 0.17387081260481596, 0.01542103307979687, -0.22513741609237464}, reward: 1.0, terminated: false},
	{obs: []float64{0.02395795968820654, 0.3687690101747617, 0.010918284757949377, -0.5129163478026587}, reward: 1.0, terminated: false},
	{obs: []float64{0.03133333989170178, 0.17349499275068458, 0.0006599578018962032, -0.21681286835696195}, reward: 1.0, terminated: false},
	{obs: []float64{0.03480323974671547, -0.021636386741578473, -0.0036762995652430356, 0.07607816471983775}, reward: 1.0, terminated: false},
	{obs: []float64{0.034370512011883896, -0.21670544277345885, -0.0021547362708462803, 0.36759894183747555}, reward: 1.0, terminated: false},
	{obs: []float64{0.030036403156414718, -0.021552939941453797, 0.005197242565903231, 0.07423737516925016}, reward: 1.0, terminated: false},
}

var refAcrobot = []refStep{
	{obs: []float64{0.9994241202383525, 0.03393269641209049, 0.9999483084642854, 0.010167615227488096, -0.17583183080297707, 0.40177497965573855}, reward: -1.0, terminated: false},
	{obs: []float64{0.9998651264698168, -0.01642342441445194, 0.9924599182865057, 0.12256961529980633, -0.3137046068686622, 0.6973507691058536}, reward: -1.0, terminated: false},
	{obs: []float64{0.9983047802320092, -0.058202798608999656, 0.9786153467145117, 0.2056988166588136, -0.09412402565768388, 0.12639644688585383}, reward: -1.0, terminated: false},
	{obs: []float64{0.9978647036424818, -0.06531487751272261, 0.9791459609279536, 0.20315803503301189, 0.024085800143970965, -0.15269957425229858}, reward: -1.0, terminated: false},
	{obs: []float64{0.9980491684417858, -0.06243282287915392, 0.9834038990283526, 0.18142979737582704, 0.003554190589858331, -0.06455826937595294}, reward: -1.0, terminated: false},
	{obs: []float64{0.9979415806640562, -0.06412956870059978, 0.983893049230354, 0.17875812618226933, -0.020252529005198416, 0.03750740134741311}, reward: -1.0, terminated: false},
	{obs: []float64{0.9990410406941627, -0.04378354723779795, 0.9917567034954741, 0.12813524523639228, 0.21823753364332746, -0.5378885568565708}, reward: -1.0, terminated: false},
	{obs: []float64{0.9998318542284496, 0.018337482654398902, 0.9996736815096059, -0.025544676491022565, 0.3854400192439892, -0.9657914878219294}, reward: -1.0, terminated: false},
}

var refPendulum = []refStep{
	{obs: []float64{-0.8063156238028961, 0.5914855153013864, 0.17385410807796742}, reward: -6.27725, terminated: false},
	{obs: []float64{-0.8156025433277106, 0.578612557172215, 0.31746824455400724}, reward: -6.30056161523629, terminated: false},
	{obs: []float64{-0.837991024192322, 0.54568401421803, 0.7964276624331685}, reward: -6.383602690923504, terminated: false},
	{obs: []float64{-0.8766601499676882, 0.4811101552229286, 1.505690673096691}, reward: -6.643512956168414, terminated: false},
	{obs: []float64{-0.9146744993886602, 0.404191242072492, 1.7165232895138876}, reward: -7.195578889541189, terminated: false},
	{obs: []float64{-0.9507619466553795, 0.3099221205271951, 2.0196667210682566}, reward: -7.722985652463119, terminated: false},
	{obs: []float64{-0.9824722500124736, 0.1864088998825632, 2.552108311463653}, reward: -8.400903233760003, terminated: false},
	{obs: []float64{-0.9985201436058138, 0.05438311147245208, 2.6619149863755753}, reward: -9.377995394519914, terminated: false},
}

var refMountainCar = []refStep{
	{obs: []float64{-0.49917684300416926, 0.0008231569958307428}, reward: -1.0, terminated: false},
	{obs: []float64{-0.49753668667935325, 0.0016401563248160246}, reward: -1.0, terminated: false},
	{obs: []float64{-0.4970917969323474, 0.00044488974700586273}, reward: -1.0, terminated: false},
	{obs: []float64{-0.49684550006784745, 0.0002462968644999427}, reward: -1.0, terminated: false},
	{obs: []float64{-0.4957996374204934, 0.0010458626473540712}, reward: -1.0, terminated: false},
	{obs: []float64{-0.49596202671027434, -0.0001623892897809659}, reward: -1.0, terminated: false},
	{obs: []float64{-0.49733145422579234, -0.0013694275155180027}, reward: -1.0, terminated: false},
	{obs: []float64{-0.49789768282304186, -0.0005662285972495108}, reward: -1.0, terminated: false},
}

var refMountainCarContinuous = []refStep{
	{obs: []float64{-0.49897685647010803, 0.0010231570340692997}, reward: -0.06400000000000002, terminated: false},
	{obs: []float64{-0.4996381998062134, -0.0006613394943997264}, reward: -0.225, terminated: false},
	{obs: []float64{-0.50017911195755, -0.0005408891011029482}, reward: -0.004000000000000001, terminated: false},
	{obs: []float64{-0.499395489692688, 0.0007836078875698149}, reward: -0.1, terminated: false},
	{obs: []float64{-0.49729323387145996, 0.0021022427827119827}, reward: -0.4, terminated: false},
	{obs: []float64{-0.49583807587623596, 0.0014551558997482061}, reward: -0.009, terminated: false},
	{obs: []float64{-0.4945908784866333, 0.0012471912195906043}, reward: 0.0, terminated: false},
	{obs: []float64{-0.49206095933914185, 0.0025299065746366978}, reward: -0.1, terminated: false},
}

var refMountainCarGoal = []refStep{
	{obs: []float64{0.5107484356665326, 0.020748435666532672}, reward: -1.0, terminated: true},
	{obs: []float64{0.532400517654219, 0.02165208198768641}, reward: -1.0, terminated: true},
}

var refMountainCarWall = []refStep{
	{obs: []float64{-1.2, 0.0}, reward: -1.0, terminated: false},
	{obs: []float64{-1.1987581039591646, 0.0012418960408353682}, reward: -1.0, terminated: false},
	{obs: []float64{-1.194270205713714, 0.004487898245450696}, reward: -1.0, terminated: false},
}

var refMountainCarContinuousGoal = []refStep{
	{obs: []float64{0.4601295590400696, 0.02012956142425537}, reward: 99.975, terminated: true},
	{obs: []float64{0.4782859683036804, 0.01815641298890114}, reward: 99.6, terminated: true},
}

var refMountainCarContinuousWall = []refStep{
	{obs: []float64{-1.2000000476837158, 0.0}, reward: -0.1, terminated: false},
	{obs: []float64{-1.1992582082748413, 0.0007418958703055978}, reward: -0.1, terminated: false},
	{obs: []float64{-1.1947720050811768, 0.00448624836280942}, reward: -0.1, terminated: false},
}

var refAcrobotGoal = []refStep{
	{obs: []float64{-0.9873012887769327, 0.15885894743264461, 0.9999019642110556, 0.014002212927705808, -0.18343726539567606, 0.14511760679397961}, reward: 0.0, terminated: true},
}

var refAcrobotFast = []refStep{
	{obs: []float64{0.9851552393445164, -0.1716658218517841, -0.9488993240733198, 0.31557894855835494, 12.566370614359172, -28.274333882308138}, reward: -1.0, terminated: false},
	{obs: []float64{-0.5983505468672575, 0.801234437018064, -0.884402578560216, -0.4667248429600047, 10.323045199894272, -24.873050643276216}, reward: -1.0, terminated: false},
}

var refPendulumFast = []refStep{
	{obs: []float64{0.6721930835534681, 0.7403758899524486, 8.0}, reward: -6.433034444091241, terminated: false},
	{obs: []float64{0.33081487794904696, 0.9436956694441048, 8.0}, reward: -7.098937952603907, terminated: false},
}
var refPendulumNegative = []refStep{
	{obs: []float64{-0.6400159884617784, 0.768361590992999, -0.35739812851905384}, reward: -5.313185146920741, terminated: false},
	{obs: []float64{-0.6455267077263572, 0.7637376968645518, 0.1438730647256955}, reward: -5.1446772071184865, terminated: false},
}
