# Thin wrappers: `go build ./...` and `go test ./...` work without make.
GO       ?= go
MOD      := github.com/phoneinc/contacts
# No tag: "dev" (--version shows the commit once, beside it).
VERSION  ?= $(shell git describe --tags --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE     ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS  := -s -w -X $(MOD)/internal/build.Version=$(VERSION) -X $(MOD)/internal/build.Commit=$(COMMIT) -X $(MOD)/internal/build.Date=$(DATE)
PREFIX   ?= $(HOME)/.local
# go.mod names the toolchain to build with (a patched Go release: govulncheck
# finds standard-library flaws that serve reaches in older ones). Let the go
# command fetch it from the module proxy even where the environment says
# GOTOOLCHAIN=local.
export GOTOOLCHAIN := auto
# Fuzzing: `make fuzz` runs each target for FUZZTIME (`make fuzz
# FUZZTIME=3s` for a short round); `make test` runs every target's
# seeds and the inputs that once failed (testdata/fuzz), as go test does.
# See docs/RELIABILITY.md.
FUZZTIME  ?= 60s
FUZZ_TARGETS := .:FuzzNormalizePhone .:FuzzValidateEmail .:FuzzValidateCompany .:FuzzContactJSON .:FuzzCheckJSONObject \
	./internal/format:FuzzCSVRead ./internal/format:FuzzVCardRead ./internal/format:FuzzJSONRead \
	./internal/format:FuzzJSONLRead ./internal/format:FuzzDetect ./internal/httpapi:FuzzRequest \
	./store:FuzzSearch ./cmd:FuzzConfigFile
# govulncheck and the vulnerability database, both from the Go module proxy
# (vuln.go.dev is not needed). Pin the database for repeatable results;
# VULNDB=golang.org/x/vulndb@master checks against the newest.
GOVULNCHECK ?= golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB      ?= golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018

.PHONY: all build docs test race race-quick lint fmt bench install clean fuzz soak vuln

all: build docs

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/contacts ./cmd/contacts

# The whole suite: format and vet checks, unit, store and end-to-end tests
# (with the quick crash, concurrency and hostile-input tests; the sync tests
# against a Radicale that scripts/test-deps.sh installs where missing; every
# fuzz target's seeds and saved inputs), the race detector over the
# concurrent packages, and govulncheck.
# -timeout 30m: go test stops a package after 10 minutes by default, which the
# end-to-end package can reach on a machine busy with other work.
test: lint
	@sh scripts/test-deps.sh
	$(GO) test -count=1 -timeout 30m ./...
	cd bench && $(GO) test -count=1 -timeout 30m ./...
	@$(MAKE) --no-print-directory race-quick
	@$(MAKE) --no-print-directory vuln

# The race detector over the packages that run goroutines of their own (the
# store, the server, the labeler, the domain), when there is a C compiler
# for it; `make race` runs every package, the end-to-end scripts included.
RACE_PKGS := . ./store ./internal/httpapi ./internal/labeler ./internal/output ./internal/editor ./internal/pipeline ./internal/importer ./internal/web
race-quick:
	@if CGO_ENABLED=1 $(GO) env CC >/dev/null 2>&1 && command -v "$$(CGO_ENABLED=1 $(GO) env CC)" >/dev/null 2>&1; then \
		CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 30m $(RACE_PKGS); \
	else echo "race detector skipped: no C compiler (make race needs one)"; fi

# Each fuzz target for FUZZTIME (go test -fuzz takes one target per run).
# A failing input is saved under the package's testdata/fuzz/ and printed.
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t#*:}; \
		out=$$($(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 0 $$pkg 2>&1) || { echo "$$out"; exit 1; }; \
		echo "fuzz $$name: $$(echo "$$out" | grep '^fuzz: elapsed' | tail -1 | sed 's/^fuzz: //')"; \
	done

# The long fault and load tests: 20 SIGKILLs of a 100,000-row import and
# of a server under write load, and 10,000 mixed operations from 4
# processes and a server on one book.
soak:
	$(GO) test -count=1 -run '^(TestCrash|TestSoak)' -timeout 60m -v ./cmd -args -soak

# govulncheck ./... against a database built from golang.org/x/vulndb.
# Fails when either cannot be fetched: a scan that did not run is no pass.
vuln:
	@osv=$$(cd / && $(GO) mod download -json $(VULNDB) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	if [ -z "$$osv" ]; then echo "make vuln: cannot download $(VULNDB) from the Go module proxy" >&2; exit 1; fi; \
	db=$$(mktemp -d) && trap 'rm -rf "$$db"' EXIT && \
	$(GO) run ./internal/tools/vulndb -osv "$$osv/data/osv" -version "$(VULNDB)" -out "$$db" && \
	$(GO) run $(GOVULNCHECK) -db "file://$$db" ./...

# The suite under the race detector (needs cgo: a C compiler).
race:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd bench && $(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

# The Go benchmarks, then whole-process figures on a generated book of a
# million contacts (timed by hyperfine, next to the sqlite3 command-line
# tool on the same file; the server loaded by wrk), written into
# BENCHMARKS.md. The harness is its own module, bench/; it installs
# hyperfine, sqlite3 and wrk with apt-get when they are missing. BENCH_FLAGS
# passes flags to it, e.g. BENCH_FLAGS="-only lookup -runs 50".
BENCH_FLAGS ?=
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	cd bench && $(GO) run . -bin ../bin/contacts -dir ../bench-data -md ../BENCHMARKS.md $(BENCH_FLAGS)

# The man pages (one per command) and the bash, zsh and fish completions,
# in share/, laid out as PREFIX/share is.
docs:
	$(GO) run ./internal/tools/docgen -out share

# The binary, its man pages and completions under PREFIX (default
# ~/.local); says so when PREFIX/bin is not on PATH, as in a fresh account.
install: build docs
	install -d $(PREFIX)/bin $(PREFIX)/share/man/man1 $(PREFIX)/share/bash-completion/completions \
		$(PREFIX)/share/zsh/site-functions $(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 bin/contacts $(PREFIX)/bin/contacts
	install -m 0644 share/man/man1/*.1 $(PREFIX)/share/man/man1/
	install -m 0644 share/bash-completion/completions/contacts $(PREFIX)/share/bash-completion/completions/contacts
	install -m 0644 share/zsh/site-functions/_contacts $(PREFIX)/share/zsh/site-functions/_contacts
	install -m 0644 share/fish/vendor_completions.d/contacts.fish $(PREFIX)/share/fish/vendor_completions.d/contacts.fish
	@PREFIX="$(PREFIX)" sh scripts/path-note.sh

clean:
	rm -rf bin share
