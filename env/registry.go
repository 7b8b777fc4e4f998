package env

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Options are environment-specific settings passed to env.Make, such as a model file for
// 3D tasks ("model", "family") or a time-limit override ("max_episode_steps").
type Options map[string]string

// Int returns the integer option key, def when it is absent.
func (o Options) Int(key string, def int) (int, error) {
	v, ok := o[key]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("option %s=%q: not an integer", key, v)
	}
	return n, nil
}

// Float returns the float option key, def when it is absent. NaN and infinities are
// refused: no environment setting means anything with them.
func (o Options) Float(key string, def float64) (float64, error) {
	v, ok := o[key]
	if !ok || v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("option %s=%q: not a finite number", key, v)
	}
	return f, nil
}

// Spec registers an environment id.
type Spec struct {
	ID          string
	Description string
	// MaxEpisodeSteps, when positive, wraps the environment in a TimeLimit (truncation),
	// as Gymnasium's registry does. Options["max_episode_steps"] overrides it.
	MaxEpisodeSteps int
	// New builds one instance. It validates opts and returns an error for bad values.
	New func(opts Options) (Env, error)
}

// Family is a set of ids sharing a prefix whose members are not known in advance, such
// as gym:<Gymnasium id>: New builds the member named by the rest of the id.
type Family struct {
	Prefix      string
	Description string
	New         func(name string, opts Options) (Env, error)
}

// Registry maps ids to specs. The package-level registry behind Register and Make is
// filled by the init functions of environment packages.
type Registry struct {
	mu       sync.RWMutex
	specs    map[string]Spec
	families []Family
}

var defaultRegistry = &Registry{}

// Register adds spec to the default registry. It panics on a duplicate id, which is a
// programming error caught at start-up.
func Register(spec Spec) { defaultRegistry.Register(spec) }

// Make builds the environment id from the default registry.
func Make(id string, opts Options) (Env, error) { return defaultRegistry.Make(id, opts) }

// Lookup returns the spec of id in the default registry.
func Lookup(id string) (Spec, bool) { return defaultRegistry.Lookup(id) }

// IDs lists the ids of the default registry, sorted.
func IDs() []string { return defaultRegistry.IDs() }

// RegisterFamily adds a family of ids to the default registry.
func RegisterFamily(f Family) { defaultRegistry.RegisterFamily(f) }

// Families lists the families of the default registry.
func Families() []Family { return defaultRegistry.Families() }

// RegisterFamily adds f; it panics on an empty prefix or constructor.
func (r *Registry) RegisterFamily(f Family) {
	if f.Prefix == "" || f.New == nil {
		panic("env: RegisterFamily needs a prefix and a constructor")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.families = append(r.families, f)
}

// Families lists the registered families in registration order.
func (r *Registry) Families() []Family {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]Family(nil), r.families...)
}

// Register adds spec; it panics on a duplicate or empty id.
func (r *Registry) Register(spec Spec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if spec.ID == "" || spec.New == nil {
		panic("env: Register needs an id and a constructor")
	}
	if r.specs == nil {
		r.specs = map[string]Spec{}
	}
	if _, dup := r.specs[spec.ID]; dup {
		panic("env: duplicate id " + spec.ID)
	}
	r.specs[spec.ID] = spec
}

// Lookup returns the spec registered under id, or the spec of a family member.
func (r *Registry) Lookup(id string) (Spec, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if s, ok := r.specs[id]; ok {
		return s, true
	}
	for _, f := range r.families {
		if name, ok := strings.CutPrefix(id, f.Prefix); ok && name != "" {
			return Spec{ID: id, Description: f.Description, New: func(opts Options) (Env, error) { return f.New(name, opts) }}, true
		}
	}
	return Spec{}, false
}

// IDs lists the registered ids, sorted.
func (r *Registry) IDs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, 0, len(r.specs))
	for id := range r.specs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Make builds an instance of id, wrapped in a TimeLimit when the spec has one.
func (r *Registry) Make(id string, opts Options) (Env, error) {
	spec, ok := r.Lookup(id)
	if !ok {
		return nil, fmt.Errorf("unknown env %q (known: %s)", id, strings.Join(r.IDs(), ", "))
	}
	limit, err := opts.Int("max_episode_steps", spec.MaxEpisodeSteps)
	if err != nil {
		return nil, fmt.Errorf("env %s: %w", id, err)
	}
	if limit < 0 {
		return nil, fmt.Errorf("env %s: max_episode_steps must be >= 0, got %d", id, limit)
	}
	e, err := spec.New(opts)
	if err != nil {
		return nil, fmt.Errorf("env %s: %w", id, err)
	}
	if limit > 0 {
		e = NewTimeLimit(e, limit)
	}
	return e, nil
}
