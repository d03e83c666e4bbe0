// Command goawayserver is an APNs-shaped HTTP/2 server on golang.org/x/net/http2, an HTTP/2
// implementation nobody on Pushgate wrote, for scripts/interop-goaway.sh.
//
// It answers POST /3/device/<token> with 200 and the request's apns-id, and counts every
// apns-id it answered. Every N-th request's handler sets "Connection: close", which
// x/net/http2 turns into a graceful shutdown of that connection: GOAWAY(NO_ERROR,
// last-stream-id = the highest stream it has read) at once, possibly before it answers
// earlier streams; then it answers every stream up to last-stream-id, drops later streams
// without RST_STREAM, and closes TCP one second after its last stream ends.
//
// On SIGTERM or SIGINT it prints its counters as one JSON line and exits.
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/net/http2"
)

type counters struct {
	mu       sync.Mutex
	requests int
	seen     map[string]int
	goAways  int
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	certFile := flag.String("cert", "", "server certificate chain (PEM)")
	keyFile := flag.String("key", "", "server private key (PEM)")
	every := flag.Int("goaway-every", 5000, "ask for a graceful shutdown of the connection every N requests")
	maxStreams := flag.Uint("max-streams", 1000, "SETTINGS_MAX_CONCURRENT_STREAMS")
	portFile := flag.String("port-file", "", "write the listening port to this file")
	flag.Parse()

	certificate, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("goawayserver: %v", err)
	}
	state := &counters{seen: map[string]int{}}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/3/device/") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		id := strings.ToLower(r.Header.Get("apns-id"))
		state.mu.Lock()
		state.requests++
		state.seen[id]++
		closeNow := *every > 0 && state.requests%*every == 0
		if closeNow {
			state.goAways++
		}
		state.mu.Unlock()
		if closeNow {
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("apns-id", id)
		w.WriteHeader(http.StatusOK)
	})

	server := &http.Server{
		Handler:   handler,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{certificate}, NextProtos: []string{"h2"}},
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	if err := http2.ConfigureServer(server, &http2.Server{MaxConcurrentStreams: uint32(*maxStreams)}); err != nil {
		log.Fatalf("goawayserver: %v", err)
	}
	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("goawayserver: %v", err)
	}
	port := listener.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		if err := os.WriteFile(*portFile, []byte(fmt.Sprintf("%d\n", port)), 0o644); err != nil {
			log.Fatalf("goawayserver: %v", err)
		}
	}
	go func() { _ = server.ServeTLS(listener, "", "") }()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals

	state.mu.Lock()
	defer state.mu.Unlock()
	duplicates := 0
	for _, count := range state.seen {
		if count > 1 {
			duplicates += count - 1
		}
	}
	line, _ := json.Marshal(map[string]int{
		"requests":   state.requests,
		"unique":     len(state.seen),
		"duplicates": duplicates,
		"goaways":    state.goAways,
	})
	fmt.Println(string(line))
}
