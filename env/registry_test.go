package env_test

import (
	"errors"
	"strings"
	"testing"

	"gorl/env"
)

func walkSpec(id string, limit int) env.Spec {
	return env.Spec{ID: id, MaxEpisodeSteps: limit, New: func(env.Options) (env.Env, error) { return newWalk(), nil }}
}

func TestRegistryLookupAndIDs(t *testing.T) {
	var r env.Registry // the zero value is ready to use
	if ids := r.IDs(); len(ids) != 0 {
		t.Fatalf("empty registry lists %v", ids)
	}
	if _, ok := r.Lookup("Walk-v0"); ok {
		t.Fatal("empty registry found an id")
	}
	r.Register(walkSpec("Walk-v1", 0))
	r.Register(walkSpec("Walk-v0", 0))
	r.Register(walkSpec("Another-v0", 0))
	if got := strings.Join(r.IDs(), ","); got != "Another-v0,Walk-v0,Walk-v1" {
		t.Fatalf("IDs = %s, want sorted ids", got)
	}
	if s, ok := r.Lookup("Walk-v0"); !ok || s.ID != "Walk-v0" {
		t.Fatalf("Lookup = %v, %v", s.ID, ok)
	}
}

func TestRegisterPanicsOnProgrammingErrors(t *testing.T) {
	var r env.Registry
	r.Register(walkSpec("Walk-v0", 0))
	for name, spec := range map[string]env.Spec{
		"duplicate":      walkSpec("Walk-v0", 0),
		"empty id":       walkSpec("", 0),
		"no constructor": {ID: "NoNew-v0"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register with %s did not panic", name)
				}
			}()
			r.Register(spec)
		}()
	}
}

func TestMakeUnknownIDListsKnownIDs(t *testing.T) {
	var r env.Registry
	r.Register(walkSpec("Walk-v0", 0))
	r.Register(walkSpec("Drift-v0", 0))
	_, err := r.Make("Wlak-v0", nil)
	if err == nil {
		t.Fatal("unknown id accepted")
	}
	if msg := err.Error(); !strings.Contains(msg, `"Wlak-v0"`) || !strings.Contains(msg, "Drift-v0, Walk-v0") {
		t.Fatalf("error %q should name the id and list the known ids", msg)
	}
}

func TestMakeTimeLimit(t *testing.T) {
	var r env.Registry
	r.Register(walkSpec("Limited-v0", 50))
	r.Register(walkSpec("Unlimited-v0", 0))

	e, err := r.Make("Limited-v0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if tl, ok := e.(*env.TimeLimit); !ok || tl.MaxSteps != 50 {
		t.Fatalf("Make returned %T, want a TimeLimit of 50", e)
	}
	e, _ = r.Make("Limited-v0", env.Options{"max_episode_steps": "7"})
	if tl, ok := e.(*env.TimeLimit); !ok || tl.MaxSteps != 7 {
		t.Fatalf("max_episode_steps=7 gave %T", e)
	}
	e, _ = r.Make("Limited-v0", env.Options{"max_episode_steps": "0"})
	if _, ok := e.(*walk); !ok {
		t.Fatalf("max_episode_steps=0 gave %T, want the bare environment", e)
	}
	e, _ = r.Make("Unlimited-v0", nil)
	if _, ok := e.(*walk); !ok {
		t.Fatalf("a spec without a limit gave %T", e)
	}
	e, _ = r.Make("Unlimited-v0", env.Options{"max_episode_steps": "9"})
	if tl, ok := e.(*env.TimeLimit); !ok || tl.MaxSteps != 9 {
		t.Fatalf("max_episode_steps=9 on an unlimited spec gave %T", e)
	}
	for _, bad := range []string{"-1", "ten", "1.5"} {
		_, err := r.Make("Limited-v0", env.Options{"max_episode_steps": bad})
		if err == nil || !strings.Contains(err.Error(), "Limited-v0") || !strings.Contains(err.Error(), "max_episode_steps") {
			t.Errorf("max_episode_steps=%s: error %v", bad, err)
		}
	}
}

func TestMakeWrapsConstructorErrors(t *testing.T) {
	var r env.Registry
	errBad := errors.New("model file missing")
	r.Register(env.Spec{ID: "Broken-v0", New: func(env.Options) (env.Env, error) { return nil, errBad }})
	_, err := r.Make("Broken-v0", nil)
	if !errors.Is(err, errBad) || !strings.Contains(err.Error(), "Broken-v0") {
		t.Fatalf("error %v should wrap the constructor's error and name the id", err)
	}
}

func TestDefaultRegistry(t *testing.T) {
	env.Register(walkSpec("gorl-test/Walk-v0", 20))
	if _, ok := env.Lookup("gorl-test/Walk-v0"); !ok {
		t.Fatal("Lookup after Register failed")
	}
	found := false
	for _, id := range env.IDs() {
		found = found || id == "gorl-test/Walk-v0"
	}
	if !found {
		t.Fatal("IDs does not list the registered id")
	}
	e, err := env.Make("gorl-test/Walk-v0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if tl, ok := e.(*env.TimeLimit); !ok || tl.MaxSteps != 20 {
		t.Fatalf("env.Make gave %T", e)
	}
	if _, err := env.Make("gorl-test/Nothing-v0", nil); err == nil || !strings.Contains(err.Error(), "gorl-test/Walk-v0") {
		t.Fatalf("unknown id error %v should list gorl-test/Walk-v0", err)
	}
}

func TestOptions(t *testing.T) {
	o := env.Options{"n": "12", "x": "0.25", "bad": "zz", "empty": ""}
	if n, err := o.Int("n", 3); n != 12 || err != nil {
		t.Errorf("Int(n) = %d, %v", n, err)
	}
	if n, err := o.Int("missing", 3); n != 3 || err != nil {
		t.Errorf("Int(missing) = %d, %v", n, err)
	}
	if n, err := o.Int("empty", 4); n != 4 || err != nil {
		t.Errorf("Int(empty) = %d, %v", n, err)
	}
	if _, err := o.Int("bad", 0); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("Int(bad) error %v", err)
	}
	if _, err := o.Int("x", 0); err == nil {
		t.Error("Int accepted 0.25")
	}
	if x, err := o.Float("x", 1); x != 0.25 || err != nil {
		t.Errorf("Float(x) = %v, %v", x, err)
	}
	if x, err := o.Float("missing", 1.5); x != 1.5 || err != nil {
		t.Errorf("Float(missing) = %v, %v", x, err)
	}
	if _, err := o.Float("bad", 0); err == nil {
		t.Error("Float accepted zz")
	}
	var none env.Options
	if n, err := none.Int("n", 5); n != 5 || err != nil {
		t.Errorf("nil Options: %d, %v", n, err)
	}
}
