package horizons

import (
	"fmt"

	"gorl/logs"
)

// OpenDriftRef is ReadDriftRef with one clear line for a missing or unreadable file.
func OpenDriftRef(path string) (DriftRef, error) {
	if problem := logs.FileProblem(path); problem != "" {
		return DriftRef{}, fmt.Errorf("drift file %s%s", path, problem)
	}
	return ReadDriftRef(path)
}

// OpenRuleRef is ReadRuleRef with one clear line for a missing or unreadable file.
func OpenRuleRef(path string) (RuleRef, error) {
	if problem := logs.FileProblem(path); problem != "" {
		return RuleRef{}, fmt.Errorf("update rule file %s%s", path, problem)
	}
	return ReadRuleRef(path)
}
