package distributed

import (
	"strings"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	ok := Options{Listen: "127.0.0.1:0", Subject: DefaultSubject, ItemTimeout: time.Second, WorkerTimeout: time.Minute}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for want, change := range map[string]func(*Options){
		"--listen, --no-auth": func(o *Options) { o.NATS, o.ListenGiven = "nats://x:4222", true },
		"--tls-cert and":      func(o *Options) { o.TLSCert = "cert.pem" },
		"--local-workers":     func(o *Options) { o.LocalWorkers = -1 },
		"--item-timeout":      func(o *Options) { o.ItemTimeout = time.Millisecond },
		"--worker-timeout":    func(o *Options) { o.WorkerTimeout = 0 },
		`--subject "a.*"`:     func(o *Options) { o.Subject = "a.*" },
		`--subject "a..b"`:    func(o *Options) { o.Subject = "a..b" },
	} {
		o := ok
		change(&o)
		if err := o.Validate(); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
	s := ServeOptions{NATS: "nats://127.0.0.1:1", Subject: DefaultSubject, Parallel: 1, Heartbeat: time.Second}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	s.Heartbeat = time.Millisecond
	if err := s.Validate(); err == nil || !strings.HasPrefix(err.Error(), "--heartbeat") {
		t.Fatalf("heartbeat 1ms: %v", err)
	}
}

// TestClusterWorkerCommand: the command printed for workers carries the token and the
// CA, and names this host for a server listening on all interfaces.
func TestClusterWorkerCommand(t *testing.T) {
	c := &Cluster{URL: "nats://127.0.0.1:4222", Token: "tok", CAFile: "ca.pem"}
	if got := c.WorkerCommand(); got != "GORL_NATS_TOKEN=tok gorl worker --nats nats://127.0.0.1:4222 --tls-ca ca.pem" {
		t.Fatalf("worker command %q", got)
	}
	c = &Cluster{URL: "nats://0.0.0.0:4222"}
	if got := c.WorkerCommand(); strings.Contains(got, "0.0.0.0") || !strings.HasSuffix(got, ":4222") {
		t.Fatalf("worker command %q names no host", got)
	}
}
