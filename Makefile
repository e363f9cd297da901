# Thin wrappers: `go build ./...` and `go test ./...` work without make.
GO       ?= go
MOD      := github.com/phoneinc/contacts
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE     ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS  := -s -w -X $(MOD)/internal/build.Version=$(VERSION) -X $(MOD)/internal/build.Commit=$(COMMIT) -X $(MOD)/internal/build.Date=$(DATE)
PREFIX   ?= $(HOME)/.local
FUZZTIME ?= 10s

.PHONY: all build test race lint fmt bench install clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/contacts ./cmd/contacts

# The whole suite: format and vet checks, unit, store and end-to-end tests.
test: lint
	$(GO) test -count=1 ./...

# The suite under the race detector (needs cgo: a C compiler).
race:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

# Whole-process figures on a generated book of a million contacts, against
# the sqlite3 command-line tool on the same file. See BENCHMARKS.md.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./internal/benchtool -bin bin/contacts -md BENCHMARKS.md

install: build
	install -d $(PREFIX)/bin
	install -m 0755 bin/contacts $(PREFIX)/bin/contacts

clean:
	rm -rf bin
