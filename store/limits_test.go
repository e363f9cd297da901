package store_test

import (
	"testing"

	"github.com/phoneinc/contacts/store"
)

func TestLimitsFor(t *testing.T) {
	for _, tc := range []struct {
		nofile, procs, books, conns int
		want                        store.Limits
		err                         bool
	}{
		{512, 2, 0, 0, store.Limits{Books: 11, ConnsPerBook: 8, Connections: 85}, false},
		{1024, 2, 0, 0, store.Limits{Books: 24, ConnsPerBook: 8, Connections: 169}, false},
		{1 << 20, 2, 0, 0, store.Limits{Books: store.MaxBooks, ConnsPerBook: 8, Connections: store.MaxConnections}, false},
		{1 << 20, 64, 0, 0, store.Limits{Books: store.MaxBooks, ConnsPerBook: 16, Connections: store.MaxConnections}, false},
		{100, 2, 0, 0, store.Limits{Books: 1, ConnsPerBook: 8, Connections: 15}, false},
		{512, 2, 5, 10, store.Limits{Books: 5, ConnsPerBook: 8, Connections: 10}, false},
		{512, 2, 30, 0, store.Limits{}, true},
		{512, 2, 0, 1000, store.Limits{}, true},
		{40, 2, 0, 0, store.Limits{}, true},
	} {
		got, err := store.LimitsFor(tc.nofile, tc.procs, tc.books, tc.conns)
		if tc.err {
			if err == nil {
				t.Errorf("LimitsFor(%d, %d, %d, %d)=%+v, want an error", tc.nofile, tc.procs, tc.books, tc.conns, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("LimitsFor(%d, %d, %d, %d)=%+v, %v; want %+v", tc.nofile, tc.procs, tc.books, tc.conns, got, err, tc.want)
		}
		if got.Descriptors() > tc.nofile {
			t.Errorf("LimitsFor(%d, …): %+v needs %d descriptors", tc.nofile, got, got.Descriptors())
		}
	}
}

// TestLimitListener: with n connections open, the next one is accepted
// only once one of them is closed.
