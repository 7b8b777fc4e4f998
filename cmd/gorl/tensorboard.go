package main

import (
	"gorl/logs"
	"gorl/logs/tensorboard"
)

// withTensorBoard makes opts mirror every episode and metrics row into a new event file
// in dir (gorl train --tensorboard DIR); dir "" leaves opts as they are.
func withTensorBoard(opts logs.Options, dir string) (logs.Options, error) {
	if dir == "" {
		return opts, nil
	}
	w, err := tensorboard.Create(dir)
	if err != nil {
		return opts, err
	}
	opts.Mirror = w
	return opts, nil
}
