package distributed

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"gorl/evolution"
)

const forgeriesPerBatch = 400

func startSecureServer(t *testing.T, sec Security) *Server {
	t.Helper()
	srv, err := StartServerOn("127.0.0.1:0", sec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

func connectWorker(t *testing.T, url, token, caFile string) (*nats.Conn, error) {
	t.Helper()
	nc, err := nats.Connect(url, append(WorkerOptions(token, caFile), nats.Timeout(5*time.Second))...)
	if err == nil {
		t.Cleanup(nc.Close)
	}
	return nc, err
}

func startTokenWorkers(t *testing.T, url, token, caFile string, n int) {
	t.Helper()
	for range n {
		nc, err := connectWorker(t, url, token, caFile)
		if err != nil {
			t.Fatal(err)
		}
		w := &Worker{Conn: nc, Fitness: sphere, Heartbeat: 50 * time.Millisecond}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
}

// forger is a client holding the worker token that tries everything its permissions
// leave it: reading every subject, and answering each batch it pulls with forged
// results (huge fitness, error text, every member, random tickets) and garbage,
// while never answering its own items honestly.
type forger struct {
	nc                 *nats.Conn
	sent, malformed    atomic.Int64
	snooped, batches   atomic.Int64
	permissionFailures atomic.Int64
}

func startForger(t *testing.T, url, token string, stop <-chan struct{}, wg *sync.WaitGroup) *forger {
	t.Helper()
	f := &forger{}
	opts := append(WorkerOptions(token, ""), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			f.permissionFailures.Add(1)
		}
	}))
	var err error
	if f.nc, err = nats.Connect(url, opts...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.nc.Close)
	for _, subject := range []string{">", "_INBOX.>", DefaultSubject} {
		if _, err := f.nc.Subscribe(subject, func(*nats.Msg) { f.snooped.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			m, err := f.nc.Request(DefaultSubject, encodePull(1), time.Second)
			if err != nil {
				continue
			}
			items, _, err := decodeReply(m.Data)
			if err != nil || m.Reply == "" {
				continue
			}
			f.batches.Add(1)
			gen := items[0].gen
			for k := range forgeriesPerBatch {
				member := uint64(k % 16)
				text := ""
				if k%3 == 0 {
					text = "forged failure"
				}
				_ = f.nc.Publish(m.Reply, encodeResult(newTicket(), gen, member, 1e6+float64(k), 0, text))
				_ = f.nc.Publish(m.Reply, encodeAck(newTicket(), gen, member))
				_ = f.nc.Publish(m.Reply, []byte("garbage that is no result"))
				f.sent.Add(2)
				f.malformed.Add(1)
			}
			_ = f.nc.Flush()
		}
	}()
	return f
}

// esRun is runOpenES one generation at a time.
type esRun struct {
	es  *evolution.OpenES
	pop [][]float64
	fit []float64
	ev  evolution.Evaluator
}

func newESRun(t *testing.T, ev evolution.Evaluator) *esRun {
	t.Helper()
	r := &esRun{es: &evolution.OpenES{Population: 16, Sigma: 0.1, LR: 0.05}, fit: make([]float64, 16), ev: ev}
	mean := make([]float64, 10)
	for i := range mean {
		mean[i] = 1
	}
	if err := r.es.Init(mean, 3); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *esRun) step(t *testing.T, gen int) {
	t.Helper()
	var err error
	if r.pop, err = r.es.Ask(r.pop); err != nil {
		t.Fatal(err)
	}
	if err := r.ev.Evaluate(gen, r.pop, r.fit, nil, sphere); err != nil {
		t.Fatalf("generation %d: %v", gen, err)
	}
	if err := r.es.Tell(r.fit); err != nil {
		t.Fatal(err)
	}
}

// With a worker token, clients without it cannot connect, and a client with it can
// neither read other workers' items nor place a forged result: the evolved mean is
// bit-identical to the local pool's, and every forgery is dropped and counted.
func TestForgedResultsRejected(t *testing.T) {

	token := NewToken()
	srv := startSecureServer(t, Security{WorkerToken: token})
	url := srv.URL()
	if _, err := nats.Connect(url, nats.Timeout(2*time.Second)); err == nil {
		t.Fatal("a client without credentials connected")
	}
	if _, err := connectWorker(t, url, "not-the-token", ""); err == nil {
		t.Fatal("a client with a wrong token connected")
	}
	if _, err := nats.Connect(url, nats.UserInfo(coordinatorUser, token)); err == nil {
		t.Fatal("the worker token opened the coordinator's account")
	}

	startTokenWorkers(t, url, token, "", 2)
	nc, err := srv.Connect("test coordinator")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	c := newCoordinator(t, &Coordinator{Conn: nc, Seed: testSeed, ItemTimeout: 300 * time.Millisecond, Timeout: 20 * time.Second})
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	f := startForger(t, url, token, stop, &wg)
	// Generations go on until the forger has pulled enough batches to answer (the
	// honest workers may take most items on a busy machine), in lockstep with a
	// local run.
	local, remote := newESRun(t, evolution.Pool{Seed: testSeed}), newESRun(t, c)
	gens := 0
	for ; gens < 4 || (gens < 200 && (f.sent.Load() < 1000 || f.malformed.Load() < 1000)); gens++ {
		local.step(t, gens)
		remote.step(t, gens)
	}
	close(stop)
	wg.Wait()

	if got, want := remote.es.Mean(), local.es.Mean(); !sameBits(got, want) {
		t.Fatalf("mean after %d generations with a forger %v, local pool %v", gens, got, want)
	}
	counts := c.Counts()
	t.Logf("forger: %d batches pulled, %d forged results/heartbeats and %d malformed messages sent; coordinator rejected %d, malformed %d; forger snooped %d messages, %d permission violations",
		f.batches.Load(), f.sent.Load(), f.malformed.Load(), counts.Rejected, counts.Malformed, f.snooped.Load(), f.permissionFailures.Load())
	if f.sent.Load() < 1000 || f.malformed.Load() < 1000 {
		t.Fatalf("the forger sent only %d forged and %d malformed messages; the test needs at least 1000 of each", f.sent.Load(), f.malformed.Load())
	}
	if counts.Rejected < 1000 || counts.Malformed < 1000 {
		t.Errorf("coordinator counted %d rejected and %d malformed messages, want at least 1000 each", counts.Rejected, counts.Malformed)
	}
	if f.snooped.Load() != 0 {
		t.Errorf("the forger read %d messages meant for others", f.snooped.Load())
	}
	if f.permissionFailures.Load() == 0 {
		t.Error("the forger's subscriptions were not refused")
	}
}

// Anyone may send anything to a coordinator without authentication too: malformed
// messages and results without a ticket are dropped and counted, never a failure.
func TestMalformedAndUnticketedMessagesIgnored(t *testing.T) {
	url := startServer(t)
	// The last member of generation 0 waits until the spy has flooded the
	// coordinator's inbox, so the flood reaches a generation in progress.
	spyDone := make(chan struct{})
	gated := func(g, m int, x []float64, rng *mrand.Rand) (float64, int64, error) {
		if g == 0 && m == 15 {
			<-spyDone
		}
		return sphere(g, m, x, rng)
	}
	startWorkers(t, url, 2, gated)
	nc := connect(t, url)
	c := newCoordinator(t, &Coordinator{Conn: nc, Seed: testSeed, Timeout: 20 * time.Second})
	// A spy on the coordinator's inbox learns its name from the first result and
	// floods it while the generation runs.
	var flooded atomic.Int64
	spy := connect(t, url)
	if _, err := spy.Subscribe("_INBOX.>", func(m *nats.Msg) {
		if res, err := decodeResult(m.Data); err != nil || res.ack || flooded.Load() > 0 {
			return // not a result on its way to the coordinator's inbox
		}
		flooded.Store(1)
		go func() {
			defer close(spyDone)
			for k := range 1000 {
				_ = spy.Publish(m.Subject, []byte{byte(k), 'x'})
				_ = spy.Publish(m.Subject, encodeResult(0, 0, uint64(k%16), 1e9, 0, "boom"))
			}
			_ = spy.Flush()
		}()
	}); err != nil {
		t.Fatal(err)
	}
	if err := spy.Flush(); err != nil {
		t.Fatal(err)
	}
	want := runOpenES(t, evolution.Pool{Seed: testSeed}, 3)
	got := runOpenES(t, c, 3)
	if !sameBits(got, want) {
		t.Fatalf("mean under a flood %v, local pool %v", got, want)
	}
	if flooded.Load() == 0 {
		t.Fatal("the spy never saw the coordinator's inbox")
	}
	counts := c.Counts()
	t.Logf("malformed %d, rejected %d", counts.Malformed, counts.Rejected)
	if counts.Malformed != 1000 || counts.Rejected != 1000 {
		t.Errorf("counts %+v: want the spy's 1000 malformed and 1000 unticketed messages", counts)
	}
}

func TestUnauthenticatedServerOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		if srv, err := StartServerOn(addr, Security{}); err == nil {
			srv.Shutdown()
			t.Errorf("an unauthenticated server started on %s", addr)
		}
	}
	if _, err := StartServerOn("127.0.0.1:0", Security{TLSCert: "cert.pem"}); err == nil {
		t.Error("TLS with a certificate and no key started")
	}
}

// A TLS server with a token serves workers that trust its certificate, with results
// identical to the local pool's; a client that does not trust it cannot connect.
func TestTLSServer(t *testing.T) {
	cert, key := selfSignedCert(t)
	token := NewToken()
	srv := startSecureServer(t, Security{WorkerToken: token, TLSCert: cert, TLSKey: key})
	if !strings.HasPrefix(srv.URL(), "tls://") {
		t.Fatalf("TLS server URL %q", srv.URL())
	}
	if _, err := connectWorker(t, srv.URL(), token, ""); err == nil {
		t.Fatal("a worker that does not trust the certificate connected")
	}
	startTokenWorkers(t, srv.URL(), token, cert, 2)
	nc, err := srv.Connect("test coordinator")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	c := newCoordinator(t, &Coordinator{Conn: nc, Seed: testSeed, Timeout: 20 * time.Second})
	if got, want := runOpenES(t, c, 2), runOpenES(t, evolution.Pool{Seed: testSeed}, 2); !sameBits(got, want) {
		t.Fatalf("TLS mean %v, local pool %v", got, want)
	}
}

func selfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gorl test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
