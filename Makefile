# imapd: `make` builds, `make test` tests, `make demo` brings up a demo server on
# 127.0.0.1:143, `make install` installs the binary and prepares this service directory.
# Run as root on Debian, each target installs the Debian packages it needs when missing.

PREFIX ?= /usr/local
CARGO ?= cargo
RUSTC ?= rustc
# The oldest Rust the locked crates build with (Cargo.toml's rust-version).
RUST_MIN := $(shell sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
SRC := Cargo.toml Cargo.lock $(shell find src -name '*.rs')
# What the tests drive: the real tcpserver, supervise, multilog, checkpw, mailfront's
# imapfront-auth with cvm, TLS in front, real clients, and Dovecot to compare with.
DEBS := ucspi-tcp daemontools checkpw mailfront cvm stunnel4 curl openssl python3 gcc isync offlineimap3 mutt neomutt tmux fetchmail getmail6 imapfilter dovecot-imapd \
	perdition nginx-light libnginx-mod-mail iproute2

.PHONY: all deps toolchain test check fuzz chaos load stress bench interop scale demo install clean

all: target/release/imapd tcprules/imap.cdb

target/release/imapd: $(SRC) | toolchain
	$(CARGO) build --release --locked

# One line instead of a wall of compile errors when the toolchain is too old (Debian 12's
# rustc is 1.63; Debian 13's 1.85 is enough).
toolchain:
	@v=$$($(RUSTC) --version 2>/dev/null | sed -n 's/^rustc \([0-9][0-9.]*\).*/\1/p'); \
	if [ -z "$$v" ] || [ "$$(printf '%s\n' "$(RUST_MIN)" "$$v" | sort -V | head -n1)" != "$(RUST_MIN)" ]; then \
	  echo "imapd needs Rust $(RUST_MIN) or later, and $(RUSTC) is $${v:-missing}: use Debian 13's cargo, or install Rust with rustup (https://rustup.rs), then run make again" >&2; \
	  exit 1; fi

tcprules/imap.cdb: tcprules/imap.rules
	cd tcprules && tcprules imap.cdb imap.tmp < imap.rules

# Debian packages, Rust, and the multilog user, when missing.
deps:
	@missing=; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  case "$$missing" in *dovecot-imapd*) \
	    echo "the tests run Dovecot's imap binary by hand; its daemon stays off"; \
	    systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true;; esac; \
	  case "$$missing" in *perdition*|*nginx-light*) \
	    echo "the scale tests run private perdition and nginx instances; the system ones stay off"; \
	    systemctl disable --now perdition.service nginx.service >/dev/null 2>&1 || true;; esac; fi
	@command -v $(CARGO) >/dev/null 2>&1 || { apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q cargo; }
	@id multilog >/dev/null 2>&1 || useradd -r -d /nonexistent -s /usr/sbin/nologin multilog

test: deps all
	$(CARGO) test --release --locked
	bash tests/sh/run
	$(CARGO) test --release --locked --no-default-features --manifest-path fuzz/Cargo.toml

# The gate before a commit: formatting, lints, tests.
check: test
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

# The long fuzzing: every cargo-fuzz target (preauth: the pre-login reader; commands: the
# post-login grammar; message: the MIME parser and what FETCH, SEARCH, SORT and THREAD build
# on it; serve: command streams run by a session on a scratch Maildir), or only FUZZ_TARGET,
# for FUZZ_SECONDS each, seeded from the tests; prints runs, coverage and findings per
# target (tests/bin/fuzz-all). `make test` replays the seeds and fuzz/regressions/.
FUZZ_TARGET ?=
FUZZ_SECONDS ?= 1800
fuzz:
	command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install cargo-fuzz
	FUZZ_TARGET="$(FUZZ_TARGET)" FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/bin/fuzz-all

# The long versions of two shell tests that `make test` runs short: imapd serve killed
# with SIGKILL CHAOS_KILLS times while mail arrives (tests/sh/40-chaos.t), and
# LOAD_CLIENTS clients for LOAD_SECONDS under tcpserver (tests/sh/41-load.t). Both print
# their figures.
CHAOS_KILLS ?= 1000
LOAD_CLIENTS ?= 100
LOAD_SECONDS ?= 60
chaos: deps all
	CHAOS_KILLS=$(CHAOS_KILLS) PER_TEST_LIMIT=$$(( 120 + $(CHAOS_KILLS) * 3 )) VERBOSE=1 bash tests/sh/run tests/sh/40-chaos.t

load: deps all
	LOAD_CLIENTS=$(LOAD_CLIENTS) LOAD_SECONDS=$(LOAD_SECONDS) PER_TEST_LIMIT=$$(( 180 + $(LOAD_SECONDS) )) VERBOSE=1 bash tests/sh/run tests/sh/41-load.t

# The long version of tests/sh/44-stress.t (`make test` runs 20 clients for 20 s):
# STRESS_CLIENTS clients on one user's INBOX for STRESS_SECONDS while mail arrives,
# checked against a model of the mailbox (tests/bin/imapstress); prints commands per
# second and every failure.
STRESS_CLIENTS ?= 100
STRESS_SECONDS ?= 60
stress: deps all
	STRESS_CLIENTS=$(STRESS_CLIENTS) STRESS_SECONDS=$(STRESS_SECONDS) PER_TEST_LIMIT=$$(( 240 + $(STRESS_SECONDS) )) VERBOSE=1 bash tests/sh/run tests/sh/44-stress.t

# imapd against Debian's Dovecot (a private instance) on generated Maildirs of
# BENCH_SIZES messages, kept in /var/tmp/imapd-bench (BENCH_CACHE), BENCH_ROUNDS rounds:
# prints medians and imapd/Dovecot ratios and writes tests/bench/results.md
# (tests/bench/bench). `make test` runs it short (tests/sh/43-bench-short.t).
BENCH_SIZES ?= 1000 10000 100000
BENCH_ROUNDS ?= 3
bench: deps all
	BENCH_SIZES="$(BENCH_SIZES)" BENCH_ROUNDS=$(BENCH_ROUNDS) bash tests/bench/bench

# The client matrix: every test that drives a real client or a real server beside
# imapd, with its output (`make test` runs them too; this prints what each client did).
INTEROP := 10-clients 11-starttls 12-implicit-tls 20-dovecot-interop 21-courier-takeover \
	24-imaplib 25-mbsync 28-offlineimap 32-mutt-browse 34-mutt-qresync 36-mailfront 37-courier-chain 38-courier-switch \
	45-conform-dovecot 51-list-extended-dovecot 53-compress 60-downloaders 61-imapfilter \
	62-mutt-edit 63-neomutt-edit 64-imapclient 39-dovecot-switch 65-mutt-tunnel
interop: deps all
	VERBOSE=1 bash tests/sh/run $(INTEROP:%=tests/sh/%.t)

# Past one machine (issue 12, tests/scale/scale): three imapd hosts in network namespaces
# behind perdition and nginx's mail proxy (with tests/scale/auth-http), moving a user with
# mbsync watching, then SCALE_CLIENTS clients of tests/bin/imapload for SCALE_SECONDS
# through each proxy and against one host alone: sessions and commands per second, and
# the CPU each part used. `make test` runs it short (tests/sh/70-scale-short.t).
SCALE_CLIENTS ?= 30
SCALE_SECONDS ?= 30
scale: deps all
	SCALE_MODE=long SCALE_CLIENTS=$(SCALE_CLIENTS) SCALE_SECONDS=$(SCALE_SECONDS) PER_TEST_LIMIT=$$(( 240 + 4 * $(SCALE_SECONDS) )) \
	  VERBOSE=1 bash tests/sh/run tests/scale/scale

install: deps all
	install -m 755 target/release/imapd $(DESTDIR)$(PREFIX)/bin/imapd
	mkdir -p log/main && chown multilog log/main

demo: install
	sh tests/demo/setup

clean:
	$(CARGO) clean
	rm -f tcprules/imap.cdb tcprules/imap.tmp
