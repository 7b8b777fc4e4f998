package memguard

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	if err := check("--batch 10", 1e3, 1e9); err != nil {
		t.Fatalf("1 kB of 1 GB refused: %v", err)
	}
	err := check("--batch 100000000000", 3*1024*1024*1024*1024, 16*1024*1024*1024)
	if err == nil || err.Error() != "--batch 100000000000 needs about 3.0 TiB of memory; 16.0 GiB is available" {
		t.Fatalf("error %v", err)
	}
	if err := check("x", 1e30, 0); err != nil {
		t.Fatalf("unknown available memory refused: %v", err)
	}
	if a := Available(); a <= 0 {
		t.Skip("no /proc/meminfo here")
	} else if err := Check("--buffer-size", a*2); err == nil || !strings.Contains(err.Error(), "--buffer-size needs about") {
		t.Fatalf("twice the available memory allowed: %v", err)
	}
}
