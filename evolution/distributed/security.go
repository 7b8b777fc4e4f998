package distributed

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Security says who may use an embedded server and how they connect.
//
// With a WorkerToken, every client must authenticate. The coordinator connects with a
// password of its own that never leaves the process (Server.Connect); workers present
// the token under a user name of their choosing, a fresh random id per connection
// (WorkerOptions). A worker may publish pulls on Subject, subscribe only to its own
// inbox (so it cannot read the items handed to other workers) and publish only to
// the reply subjects of messages it received (so results go to the coordinator's
// inbox of the batch it was given, and nowhere else). The coordinator's per-issue
// tickets (see the package doc) then reject a result for an item the worker was not
// given.
type Security struct {
	// WorkerToken is the secret workers present (gorl worker with GORL_NATS_TOKEN or
	// --token). Empty: no authentication, allowed on loopback addresses only.
	WorkerToken string
	// Subject is the only work subject workers may pull from (default DefaultSubject).
	Subject string
	// TLSCert and TLSKey (PEM files), when both are set, make the server accept TLS
	// connections only; clients then need the certificate's CA (WorkerOptions' caFile).
	TLSCert, TLSKey string
}

// Server is an embedded NATS server started by StartServerOn.
type Server struct {
	srv         *server.Server
	url         string
	coordinator string // the coordinator's password; empty without authentication
	caFile      string // TLSCert, which a self-signed server's own clients trust
}

// URL is the server's client URL (tls:// with TLS).
func (s *Server) URL() string { return s.url }

// Shutdown stops the server.
func (s *Server) Shutdown() { s.srv.Shutdown() }

// Connect connects a coordinator (or any trusted in-process client) to the server
// with full permissions.
func (s *Server) Connect(name string, opts ...nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{nats.Name(name), nats.Timeout(5 * time.Second)}, opts...)
	if s.coordinator != "" {
		opts = append(opts, nats.UserInfo(coordinatorUser, s.coordinator))
	}
	if s.caFile != "" {
		opts = append(opts, nats.RootCAs(s.caFile))
	}
	nc, err := nats.Connect(s.url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS server %q: %w", s.url, err)
	}
	return nc, nil
}

const coordinatorUser = "gorl-coordinator"

// workerUser is the shape of a worker's user name: "w" and 16 hex digits, fresh for
// each connection, which also names the only inbox it may subscribe to.
var workerUser = regexp.MustCompile(`^w[0-9a-f]{16}$`)

func workerInbox(user string) string { return "_GORL_INBOX." + user }

// NewToken returns a fresh worker token: 32 hex digits from the system's secure
// random source (crypto/rand.Read never fails; it ends the program if it cannot
// read).
func NewToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// WorkerOptions are the connection options of a worker: with a token, a fresh user
// name, the token as its password and the inbox its permissions allow; with caFile,
// the CA that signed the server's TLS certificate.
func WorkerOptions(token, caFile string) []nats.Option {
	var opts []nats.Option
	if token != "" {
		var b [8]byte
		rand.Read(b[:])
		user := "w" + hex.EncodeToString(b[:])
		opts = append(opts, nats.UserInfo(user, token), nats.CustomInboxPrefix(workerInbox(user)))
	}
	if caFile != "" {
		opts = append(opts, nats.RootCAs(caFile))
	}
	return opts
}

// tokenAuth authenticates the coordinator by its password and workers by the token,
// and gives workers their narrow permissions.
type tokenAuth struct {
	coordinator, token, subject string
}

func (a tokenAuth) Check(c server.ClientAuthentication) bool {
	o := c.GetOpts()
	switch {
	case o.Username == coordinatorUser && secretEqual(o.Password, a.coordinator):
		c.RegisterUser(&server.User{Username: coordinatorUser})
		return true
	case workerUser.MatchString(o.Username) && secretEqual(o.Password, a.token):
		c.RegisterUser(&server.User{Username: o.Username, Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: []string{a.subject}},
			Subscribe: &server.SubjectPermission{Allow: []string{workerInbox(o.Username) + ".>"}},
			// Results and heartbeats go to the reply subject of the batch the worker was
			// given, as often as it heartbeats, for as long as an evaluation may take.
			Response: &server.ResponsePermission{MaxMsgs: -1, Expires: 7 * 24 * time.Hour},
		}})
		return true
	}
	return false
}

func secretEqual(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// StartServer starts an in-process NATS server without authentication on 127.0.0.1
// at a random free port and returns it with its client URL. Shut it down with
// srv.Shutdown().
func StartServer() (*server.Server, string, error) {
	s, err := StartServerOn("127.0.0.1:0", Security{})
	if err != nil {
		return nil, "", err
	}
	return s.srv, s.url, nil
}

// StartServerOn starts an in-process NATS server listening on addr ("host:port";
// port 0: a random free one) with sec's authentication and TLS. A server without a
// WorkerToken is refused on any address but a loopback one: anyone who reaches it
// could answer work items.
func StartServerOn(addr string, sec Security) (*Server, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("start nats server on %q: want host:port: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("start nats server on %q: port %q is not in [0, 65535]", addr, portText)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	if host == "" {
		host = "0.0.0.0"
	}
	if sec.WorkerToken == "" && !isLoopback(host) {
		return nil, fmt.Errorf("start nats server on %s: listening beyond this machine needs authentication (a worker token)", addr)
	}
	if (sec.TLSCert == "") != (sec.TLSKey == "") {
		return nil, errors.New("start nats server: TLS needs both a certificate and its key")
	}
	opts := &server.Options{Host: host, Port: port, NoLog: true, NoSigs: true, MaxControlLine: 4096}
	s := &Server{}
	if sec.WorkerToken != "" {
		s.coordinator = NewToken()
		subject := sec.Subject
		if subject == "" {
			subject = DefaultSubject
		}
		opts.CustomClientAuthentication = tokenAuth{coordinator: s.coordinator, token: sec.WorkerToken, subject: subject}
	}
	if sec.TLSCert != "" {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: sec.TLSCert, KeyFile: sec.TLSKey})
		if err != nil {
			return nil, fmt.Errorf("start nats server: TLS: %w", err)
		}
		opts.TLSConfig, opts.TLS, opts.TLSTimeout = tc, true, 5
		s.caFile = sec.TLSCert
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("start nats server on %s: %w", addr, err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("start nats server on %s: not ready for connections after 10s (is the address in use?)", addr)
	}
	s.srv, s.url = srv, srv.ClientURL()
	if sec.TLSCert != "" {
		s.url = "tls://" + trimScheme(s.url)
	}
	return s, nil
}

func trimScheme(u string) string {
	for i := 0; i+3 <= len(u); i++ {
		if u[i:i+3] == "://" {
			return u[i+3:]
		}
	}
	return u
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newTicket is the secret that one hand-out of a work item carries and its result
// must echo. It comes from the system's secure source, not from the run's seeded
// streams: it never influences a result, and must not be predictable.
func newTicket() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) | 1 // never 0, which marks "no ticket"
}
