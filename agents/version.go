package agents

import "runtime/debug"

// Version is the gorl version a run records in config.json (gorl_version): release,
// the version set at build time (-ldflags "-X main.version=..."), or else the git
// commit a build from a checkout embeds ("+dirty" with uncommitted changes), or
// release itself ("dev") when the build has neither.
func Version(release string) string {
	if release != "dev" {
		return release
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return release
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return release
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}
