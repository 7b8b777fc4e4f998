// Package memguard refuses configurations that would allocate more memory than the
// machine has, before they allocate it: a Go program that asks for too much dies with
// the runtime's out-of-memory stack trace, which tells a user nothing about the flag
// that caused it.
package memguard

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Available is the memory the system can give without swapping, in bytes: MemAvailable
// of /proc/meminfo, or 0 where it cannot be read (then Check allows everything).
func Available() float64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseFloat(fields[1], 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// Check returns an error naming what (e.g. "--batch 100000000000") when need bytes
// exceed the available memory. need is a float64 so that an estimate computed from
// absurd settings cannot overflow.
func Check(what string, need float64) error {
	return check(what, need, Available())
}

func check(what string, need, avail float64) error {
	if avail <= 0 || need <= avail {
		return nil
	}
	return fmt.Errorf("%s needs about %s of memory; %s is available", what, Bytes(need), Bytes(avail))
}

// Bytes formats n bytes with a binary unit: "1.5 GiB".
func Bytes(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}
