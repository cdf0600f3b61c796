// Package servetest holds the misbehaving clients the binaries' tests use to
// check their server timeouts over a real TCP connection.
package servetest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// ErrStillOpen: the server kept the connection open for the whole limit.
var ErrStillOpen = errors.New("servetest: the server kept the connection open")

// SlowBody plays a slow-loris client: it sends head (a request line and
// headers announcing a body of bodyLen bytes, without the blank line), then
// the body one byte every `every`, and returns how long after the headers
// the server closed the connection and the first line it answered, if any.
// After limit it gives up with ErrStillOpen.
func SlowBody(addr, head string, bodyLen int, every, limit time.Duration) (time.Duration, string, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	head = strings.TrimRight(head, "\r\n") + fmt.Sprintf("\r\nContent-Length: %d\r\n\r\n", bodyLen)
	if _, err := io.WriteString(conn, head); err != nil {
		return 0, "", err
	}
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for range bodyLen {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	_ = conn.SetReadDeadline(start.Add(limit))
	var got strings.Builder
	_, err = io.Copy(&got, conn)
	took := time.Since(start)
	first, _, _ := strings.Cut(got.String(), "\r\n")
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return took, first, ErrStillOpen
	}
	// EOF (nil) or a reset: either way the server let go of the connection.
	return took, first, nil
}

// IdleClose sends one keep-alive GET of path, reads the answer, then waits
// for the server to close the idle connection; it returns how long that took
// after the answer. After limit it gives up with ErrStillOpen.
func IdleClose(addr, path string, limit time.Duration) (time.Duration, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr); err != nil {
		return 0, err
	}
	br := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, fmt.Errorf("servetest: read answer: %w", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.Close {
		return 0, fmt.Errorf("servetest: the server closed after the answer (%s), not an idle connection", res.Status)
	}
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(limit))
	_, err = io.Copy(io.Discard, br)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return time.Since(start), ErrStillOpen
	}
	return time.Since(start), nil
}
