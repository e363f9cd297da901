package cmd

import (
	"strings"
	"sync"
)

// syncBuffer is a buffer that a goroutine or a process writes while a
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// SyncBuffer is syncBuffer for the external tests (package cmd_test).
type SyncBuffer = syncBuffer
