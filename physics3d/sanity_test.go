package physics3d

import (
	"strings"
	"testing"
)

// Documents MuJoCo compiles but nothing can simulate are refused at load, naming the
// element; a sane model with the same structure loads.
func TestInsaneModelsRefused(t *testing.T) {
	doc := func(option, body, geom, joint, gear string) string {
		return `<mujoco><option ` + option + `/><worldbody><body name="torso" ` + body + `>
<joint name="hinge" type="hinge" limited="true" ` + joint + `/>
<geom name="g" type="capsule" fromto="0 0 0 0 0 1" ` + geom + `/></body></worldbody>
<actuator><motor name="m" joint="hinge" ` + gear + `/></actuator></mujoco>`
	}
	sane := doc(`timestep="0.002"`, `pos="0 0 1"`, `size="0.05"`, `range="-1 1"`, `gear="200"`)
	m, err := LoadXML(sane)
	if err != nil {
		t.Fatalf("sane model: %v", err)
	}
	m.Close()
	for name, c := range map[string]struct{ xml, want string }{
		"negative timestep": {doc(`timestep="-1"`, `pos="0 0 1"`, `size="0.05"`, `range="-1 1"`, `gear="200"`), "timestep -1"},
		"zero timestep":     {doc(`timestep="0"`, `pos="0 0 1"`, `size="0.05"`, `range="-1 1"`, `gear="200"`), "timestep 0"},
		"nan position":      {doc(`timestep="0.002"`, `pos="nan 0 1"`, `size="0.05"`, `range="-1 1"`, `gear="200"`), `<body name="torso"> pos="nan 0 1": "nan" is not a finite number`},
		"huge gear":         {doc(`timestep="0.002"`, `pos="0 0 1"`, `size="0.05"`, `range="-1 1"`, `gear="1e300"`), `actuator "m": gear 1e+300`},
		"huge size":         {doc(`timestep="0.002"`, `pos="0 0 1"`, `size="1e9"`, `range="-1 1"`, `gear="200"`), `geom "g": size[0]`},
		"infinite range":    {doc(`timestep="0.002"`, `pos="0 0 1"`, `size="0.05"`, `range="-inf 1"`, `gear="200"`), `"-inf" is not a finite number`},
		"nan gravity":       {doc(`timestep="0.002" gravity="0 0 nan"`, `pos="0 0 1"`, `size="0.05"`, `range="-1 1"`, `gear="200"`), `gravity="0 0 nan"`},
	} {
		m, err := LoadXML(c.xml)
		if err == nil {
			m.Close()
			t.Errorf("%s: loaded", name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to contain %q", name, err, c.want)
		}
	}
}
