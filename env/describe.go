package env

// Describer is implemented by environments that run on software outside gorl, whose
// versions a run records beside its settings so that it can be rerun alike: gym:
// environments report Python's, Gymnasium's and their worker protocol's. Keys and values
// are short strings ("gymnasium": "1.4.0").
type Describer interface {
	Describe() map[string]string
}

// Describe returns the description of e or of an environment it wraps, nil if none
// describes itself.
func Describe(e Env) map[string]string {
	if d, ok := As[Describer](e); ok {
		return d.Describe()
	}
	return nil
}
