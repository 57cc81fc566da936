# tests/sh/lib.sh: helpers for imapd's shell tests.  Source it from a tests/sh/*.t file.
#
# Every test runs as root on Debian with ucspi-tcp, daemontools, checkpw and stunnel4.
# It gets its own temporary directory $T_TMP under /tmp, its own ports in 14300-14999,
# and an EXIT trap that stops everything it started (svc -dx, svscan, tcpserver,
# stunnel), removes the system users it created and the temporary directory.
# Set KEEP=1 to keep $T_TMP for a post-mortem.
#
# Assertions record a failure and go on, so one run shows every broken expectation;
# the test's exit status is 1 if any failed, 77 if it skipped itself, else 0.

set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
IMAPD=${IMAPD:-$TOP/target/release/imapd}
BIN=$TOP/tests/bin
PYTHON=${PYTHON:-python3}
T_NAME=$(basename "$0" .t)
T_TMP=$(mktemp -d "/tmp/imapd-test.$T_NAME.XXXXXX")
chmod 755 "$T_TMP"
# The tests run $IMAPD serve and some of $BIN as nobody and as test users.  When they
# cannot reach them (a clone in root's home, mode 700), they get copies in $T_TMP; the
# tools in tests/bin find the corpus beside them, so it comes along.
if [ -x "$IMAPD" ] && ! setuidgid nobody test -x "$IMAPD" 2> /dev/null; then
	cp "$IMAPD" "$T_TMP/imapd" && IMAPD=$T_TMP/imapd
fi
if ! setuidgid nobody test -r "$BIN/maildir-stress" 2> /dev/null; then
	mkdir -p "$T_TMP/top/tests" && cp -R "$BIN" "$TOP/tests/corpus" "$T_TMP/top/tests/" &&
		BIN=$T_TMP/top/tests/bin
fi
T_FAILS=0
T_CHECKS=0
T_PGIDS=()      # process groups to kill at exit (setsid'd background jobs)
T_SVSCANS=()    # svscan directories
T_SYSUSERS=()   # system users to userdel at exit
USERS=$T_TMP/users          # checkpassword-test's users file
CHECKER_LOG=$T_TMP/checker.log
: > "$USERS"
chmod 644 "$USERS"

note() { printf '# %s\n' "$*"; }

pass() { T_CHECKS=$((T_CHECKS + 1)); printf '  ok: %s\n' "$*"; }

fail() {
	T_CHECKS=$((T_CHECKS + 1)); T_FAILS=$((T_FAILS + 1))
	printf '  FAILED: %s\n' "$*"
}

# show FILE: print a transcript, indented, for the test's log
show() { sed 's/^/    | /' "$1"; }

# expect FILE ERE DESCRIPTION: some line of FILE matches ERE
expect() {
	if grep -Eq -- "$2" "$1"; then pass "$3"; else fail "$3 (no line matching /$2/ in $(basename "$1"))"; fi
}

# expect_not FILE ERE DESCRIPTION: no line of FILE matches ERE
expect_not() {
	if grep -Eq -- "$2" "$1"; then fail "$3 (unexpected line matching /$2/)"; grep -En -- "$2" "$1" | sed 's/^/    > /'; else pass "$3"; fi
}

# expect_eq GOT WANT DESCRIPTION
expect_eq() {
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3 (got '$1', want '$2')"; fi
}

# expect_order FILE ERE1 ERE2 DESCRIPTION: a line matching ERE1 comes before one matching ERE2
expect_order() {
	local a b
	a=$(grep -nE -- "$2" "$1" | head -n1 | cut -d: -f1)
	b=$(grep -nE -- "$3" "$1" | tail -n1 | cut -d: -f1)
	if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]; then pass "$4"; else fail "$4"; fi
}

skip_all() { printf '# SKIP %s\n' "$*"; exit 77; }

need_imapd() {
	[ -x "$IMAPD" ] || { fail "no imapd binary at $IMAPD (run cargo build --release)"; exit 1; }
}

# need_strace: skips the test where strace is missing or may not trace (no ptrace).
need_strace() {
	command -v strace > /dev/null 2>&1 || skip_all "strace is not installed (apt-get install strace)"
	strace -f -o /dev/null true > /dev/null 2>&1 || skip_all "strace cannot trace here (ptrace not permitted: $(strace -o /dev/null true 2>&1 | head -n1))"
}

need_service_files() {
	local f
	for f in run log/run tcprules/imap.rules; do
		[ -f "$TOP/$f" ] || { fail "the repository has no $f"; exit 1; }
	done
}

# free_port: print a TCP port in 14300-14999 nobody is bound to on 127.0.0.1
free_port() {
	"$PYTHON" - <<'PY'
import random, socket, sys
ports = list(range(14300, 15000))
random.shuffle(ports)
for p in ports:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    sys.exit(0)
sys.exit(1)
PY
}

# port_open PORT: something accepts connections on 127.0.0.1:PORT (does not connect)
port_open() {
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# wait_port PORT [SECS]: wait until 127.0.0.1:PORT is listening
wait_port() {
	local i n=$(( ${2:-15} * 10 ))
	for ((i = 0; i < n; i++)); do
		port_open "$1" && return 0
		sleep 0.1
	done
	return 1
}

# wait_file_match FILE ERE [SECS]: wait until a line of FILE matches
wait_file_match() {
	local i n=$(( ${3:-10} * 10 ))
	for ((i = 0; i < n; i++)); do
		[ -f "$1" ] && grep -Eq -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# bg PROG ARGS...: start PROG in its own session and process group (killed at exit)
# sets BG_PID
bg() {
	setsid "$@" &
	BG_PID=$!
	T_PGIDS+=("$BG_PID")
}

# make_cert: a throwaway self-signed certificate, $T_TMP/cert.pem and $T_TMP/key.pem
make_cert() {
	CERT=$T_TMP/cert.pem KEY=$T_TMP/key.pem
	timeout 60 openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
		-keyout "$KEY" -out "$CERT" >/dev/null 2>&1 || { fail "openssl req"; exit 1; }
}

# add_user NAME PASSWORD [UID]: a user for tests/bin/checkpassword-test.
# Home is $T_TMP/home/NAME owned by UID (default: 61000 + number of users).
# PASSWORD may be a special field (!111, !2, !KILL): see checkpassword-test.
add_user() {
	local name=$1 pw=$2 uid=${3:-$((61001 + $(wc -l < "$USERS")))}
	local home=$T_TMP/home/$name
	mkdir -p "$home"
	chown "$uid:$uid" "$home"
	chmod 700 "$home"
	printf '%s:%s:%s:%s:%s\n' "$name" "$pw" "$uid" "$uid" "$home" >> "$USERS"
	eval "HOME_$name=\$home UID_$name=\$uid"
}

# add_sysuser PREFIX PASSWORD: a real system user for Debian's checkpw, with the
# password in ~/Maildir/.password (mode 600).  Sets SYSUSER and SYSHOME.
# No '-' in the name: checkpw would take what follows as an extension.
add_sysuser() {
	SYSUSER=$1$$
	SYSHOME=$T_TMP/home/$SYSUSER
	mkdir -p "$T_TMP/home"
	useradd -M -d "$SYSHOME" -s /bin/sh -U "$SYSUSER" || { fail "useradd $SYSUSER"; exit 1; }
	T_SYSUSERS+=("$SYSUSER")
	mkdir -p "$SYSHOME/Maildir/tmp" "$SYSHOME/Maildir/new" "$SYSHOME/Maildir/cur"
	printf '%s\n' "$2" > "$SYSHOME/Maildir/.password"
	chmod 600 "$SYSHOME/Maildir/.password"
	chown -R "$SYSUSER:$SYSUSER" "$SYSHOME"
	chmod 700 "$SYSHOME"
}

# make_service: a service directory $SVC (in the svscan directory $SVDIR) made by
# COPYING the repository's run, log/run and tcprules/imap.rules, with an env/
# directory read by run through envdir.  Picks PORT.  Defaults: the test checker
# with $USERS, IMAPD_FAILDELAY=0.  Change settings with svc_env before start_service.
make_service() {
	need_imapd
	need_service_files
	SVDIR=$T_TMP/service
	SVC=$SVDIR/imapd
	mkdir -p "$SVC/log" "$SVC/env" "$SVC/tcprules"
	cp "$TOP/run" "$SVC/run"
	cp "$TOP/log/run" "$SVC/log/run"
	cp "$TOP/tcprules/imap.rules" "$SVC/tcprules/imap.rules"
	chmod 755 "$SVC/run" "$SVC/log/run"
	PORT=$(free_port) || { fail "no free port"; exit 1; }
	svc_env PORT "$PORT"
	svc_env IP 127.0.0.1
	svc_env IMAPD "$IMAPD"
	svc_env CHECKPASSWORD "/usr/bin/env CHECKPASSWORD_TEST_USERS=$USERS CHECKPASSWORD_TEST_LOG=$CHECKER_LOG $BIN/checkpassword-test"
	svc_env IMAPD_FAILDELAY 0
	compile_rules "$SVC/tcprules/imap.rules" "$SVC/tcprules/imap.cdb"
	LOGFILE=$SVC/log/main/current
	mkdir -p "$SVC/log/main"
	# log/run may drop privileges (setuidgid multilog, as `make install` sets it up):
	# give that user the log directory, creating the user for the test if needed.
	local lu
	for lu in $(sed -n 's/.*setuidgid  *\([^ ]*\).*/\1/p; s/.*envuidgid  *\([^ ]*\).*/\1/p' "$SVC/log/run"); do
		if ! getent passwd "$lu" > /dev/null; then
			useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$lu" || { fail "useradd $lu"; exit 1; }
			T_SYSUSERS+=("$lu")
		fi
		chown "$lu" "$SVC/log/main"
	done
}

# svc_env NAME VALUE: set a variable in $SVC/env (read at the next start of run)
svc_env() { printf '%s\n' "$2" > "$SVC/env/$1"; }
# svc_unenv NAME: remove it
svc_unenv() { rm -f "$SVC/env/$1"; }

# compile_rules RULESFILE CDB: tcprules, the way the repository does it
compile_rules() {
	tcprules "$2" "$2.tmp" < "$1" || { fail "tcprules $1"; exit 1; }
}

# start_service: svscan on $SVDIR, which starts supervise for the service and for
# its log/ with a pipe between them, as on a real system.  Waits for the port.
start_service() {
	bg svscan "$SVDIR" > "$T_TMP/svscan.out" 2>&1 < /dev/null
	T_SVSCANS+=("$SVDIR")
	if wait_port "$PORT" 15; then
		pass "service listens on 127.0.0.1:$PORT"
	else
		fail "service does not listen on 127.0.0.1:$PORT after 15s"
		dump_service
		exit 1
	fi
}

# restart_service: svc -t (supervise restarts run), then wait until the port is
# served by the new tcpserver.
restart_service() {
	local old new i
	old=$(svc_pid)
	svc -t "$SVC"
	for ((i = 0; i < 100; i++)); do
		new=$(svc_pid)
		[ -n "$new" ] && [ "$new" != "$old" ] && port_open "$PORT" && break
		sleep 0.1
	done
	wait_port "$PORT" 10 || { fail "service did not come back after svc -t"; dump_service; exit 1; }
}

# svc_pid: the pid supervise reports for the service
svc_pid() { svstat "$SVC" 2>/dev/null | sed -n 's/.*(pid \([0-9]*\)).*/\1/p'; }

dump_service() {
	note "svstat: $(svstat "$SVC" "$SVC/log" 2>&1 | tr '\n' ' ')"
	[ -f "$T_TMP/svscan.out" ] && { note "svscan output:"; show "$T_TMP/svscan.out"; }
	[ -f "$LOGFILE" ] && { note "log/main/current:"; show "$LOGFILE"; }
}

# chat ARGS...: run imapchat (bounded); output in $OUT, status in $RC
chat() {
	OUT=$T_TMP/chat.$((++CHAT_N))
	timeout 60 "$BIN/imapchat" "$@" > "$OUT" 2> "$OUT.err"
	RC=$?
	[ -s "$OUT.err" ] && sed 's/^/    stderr: /' "$OUT.err"
	return 0
}
CHAT_N=0

# b64plain USER PASS: SASL PLAIN initial response (RFC 4616)
b64plain() { printf '\0%s\0%s' "$1" "$2" | base64 -w0; }

cleanup() {
	local rc=$? d p i
	trap - EXIT INT TERM
	for d in "${T_SVSCANS[@]}"; do
		for p in "$d"/*; do
			[ -d "$p/supervise" ] && timeout 5 svc -dx "$p" 2>/dev/null
			[ -d "$p/log/supervise" ] && timeout 5 svc -dx "$p/log" 2>/dev/null
		done
	done
	# svscan first would restart supervise; we asked them to exit, now stop the rest
	for p in "${T_PGIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	for ((i = 0; i < 30; i++)); do
		local alive=0
		for p in "${T_PGIDS[@]}"; do kill -0 -- "-$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${T_PGIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null; done
	for p in "${T_SYSUSERS[@]}"; do userdel "$p" 2>/dev/null; done
	if [ -n "${KEEP:-}" ]; then
		note "kept $T_TMP"
	else
		rm -rf "$T_TMP"
	fi
	if [ "$rc" = 77 ]; then exit 77; fi
	if [ "$T_FAILS" -gt 0 ] || [ "$rc" != 0 ]; then
		note "$T_FAILS of $T_CHECKS checks failed"
		exit 1
	fi
	note "all $T_CHECKS checks passed"
	exit 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# now: wall clock with microseconds; since T0: seconds elapsed; fge A B: A >= B (floats)
now() { printf '%s\n' "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", b - a }'; }
fge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# ---- mbsync (25-mbsync, 38-courier-switch, 39-dovecot-switch, tests/scale/scale) -----
# mbsync_run RCFILE: one `mbsync -V -a` run (bounded), under script(1) so that mbsync,
# seeing a terminal, prints its progress counters; output (CR turned into LF) in
# $SYNC_OUT, exit status in $SYNC_RC, the last counter line in $COUNTERS, e.g.
#   C: 1/1  B: 6/6  F: +4/4 *0/0 #0/0  N: +11/11 *0/0 #0/0
# (F far = the server, N near = the local Maildir; + new, * flag changes, # deletions).
# $SYNC_N counts the runs.
SYNC_N=0
mbsync_run() {
	SYNC_OUT=$T_TMP/mbsync.$((++SYNC_N))
	COLUMNS=200 timeout 50 script -qec "timeout 40 mbsync -c '$1' -V -a; echo mbsync-exit=\$?" /dev/null \
		< /dev/null 2>&1 | tr '\r' '\n' | grep -v '^$' > "$SYNC_OUT"
	SYNC_RC=$(sed -n 's/^mbsync-exit=\([0-9]*\)$/\1/p' "$SYNC_OUT")
	COUNTERS=$(grep -E '^C: [0-9]+/[0-9]+ ' "$SYNC_OUT" | tail -n1)
}
# mbsync_trouble: the lines of $SYNC_OUT where mbsync reports trouble (its own, and the
# server's NO and BAD), but for the clear-text password warning (SSLType None) and the
# "no UIDVALIDITY, creating new" of a local folder made by the first sync
mbsync_trouble() {
	grep -Ei 'error|warning|unexpected|refus|fail|BAD|NO \[|duplicate|UIDVALIDITY|giving up|skipping' "$SYNC_OUT" \
		| grep -v -e 'Password is being sent in the clear' -e 'notice: no UIDVALIDITY, creating new'
}

# checks_from FILE [PREFIX]: a checker's report (tests/bin/imaplib-suite and the like)
# as this test's checks: each `ok WHAT` passes and each `FAIL WHAT` fails (with PREFIX
# before WHAT), `done` is skipped and any other line is a note
checks_from() {
	local line
	while IFS= read -r line; do
		case $line in
		'ok '*) pass "${2:-}${line#ok }" ;;
		'FAIL '*) fail "${2:-}${line#FAIL }" ;;
		done) ;;
		*) note "$line" ;;
		esac
	done < "$1"
}

# ---- mutt in tmux (tests/sh/32-mutt-browse.t, 34-mutt-qresync.t) -------------------
# need_mutt: skips the test without mutt; installs tmux if missing (as root).  Sets up
# the tmux server at $TMUX_SOCK (stopped at exit, before cleanup), mutt's home $MUTTHOME
# (its debug files: $MUTTHOME/.muttdebug0 for the latest run, .muttdebug1 the one before)
# and the screen file $SCR.  Then set MUTT_END (the deadline of every wait, in
# microseconds: ${EPOCHREALTIME/./} + MUTT_BUDGET * 1000000) before the first wait.
# MUTT names the program: mutt, or neomutt, which reads the same muttrc.
MUTT=${MUTT:-mutt}
need_mutt() {
	command -v "$MUTT" > /dev/null || skip_all "no $MUTT (apt-get install $MUTT; make deps lists it)"
	if ! command -v tmux > /dev/null; then
		if [ "$(id -u)" = 0 ]; then
			note "no tmux: installing it (apt-get install tmux)"
			DEBIAN_FRONTEND=noninteractive timeout 60 apt-get install -y -q tmux > "$T_TMP/apt.out" 2>&1 \
				|| { DEBIAN_FRONTEND=noninteractive timeout 30 apt-get update -q > /dev/null 2>&1 &&
					DEBIAN_FRONTEND=noninteractive timeout 60 apt-get install -y -q tmux > "$T_TMP/apt.out" 2>&1; }
		fi
		command -v tmux > /dev/null || skip_all "no tmux, and it could not be installed (apt-get install tmux)"
	fi
	TMUX_SOCK=$T_TMP/tmux.sock
	# stop the tmux server (and mutt in it) before lib.sh's cleanup, keeping the exit status
	trap 'rc=$?; tmux -S "$TMUX_SOCK" kill-server > /dev/null 2>&1; (exit $rc); cleanup' EXIT
	MUTTHOME=$T_TMP/mutthome
	mkdir -p "$MUTTHOME"
	SCR=$T_TMP/screen
	# The mutt part as a whole gets MUTT_BUDGET seconds: once they are spent (or mutt has
	# ended) every wait gives up at once, so a broken session fails fast instead of waiting
	# out each step.
	MUTT_BUDGET=${MUTT_BUDGET:-35}
}
tm() { tmux -S "$TMUX_SOCK" "$@"; }
# write_muttrc FILE SORT [EXTRA LINES]: a muttrc for joe (password $USER_PW) on
# 127.0.0.1:$PORT, no caches, no prompts; EXTRA LINES come last, so they override.
write_muttrc() {
	cat > "$1" <<-EOF
	set folder="imap://joe:$USER_PW@127.0.0.1:$PORT/"
	set imap_user=joe
	set imap_pass="$USER_PW"
	set spoolfile="+INBOX"
	set imap_check_subscribed
	set ssl_starttls=no
	set ssl_force_tls=no
	unset imap_passive
	set header_cache=
	set message_cachedir=
	set sort=$2
	set charset=utf-8
	set quit=yes
	set move=no
	set record=
	set postponed=
	set mail_check=3600
	set timeout=3600
	set imap_keepalive=3600
	set wait_key=no
	set beep=no
	set mark_old=no
	set confirmappend=no
	$([ "$MUTT" = mutt ] && echo 'set attach_save_charset_convert=no')
	set attach_format="%u%D%I %t%4n %T%d%> [%m/%M, %e%?C?, %C?, %s] "
	${3:-}
	EOF
}

# screen FILE: the tmux pane as text
screen() { tm capture-pane -p -t mutt > "$1" 2> /dev/null; }
# wait_screen ERE [SECS]: wait until a line of the pane matches (the pane is left in $SCR)
wait_screen() {
	local i n=$(( ${2:-10} * 10 )) left
	left=$(( (MUTT_END - ${EPOCHREALTIME/./}) / 100000 ))
	[ "$left" -lt "$n" ] && n=$left
	for ((i = 0; i < n || i == 0; i++)); do
		screen "$SCR"
		grep -Eq -- "$1" "$SCR" && return 0
		[ -f "$T_TMP/mutt.rc" ] && return 1
		sleep 0.1
	done
	return 1
}
# mutt_trace: the IMAP exchange from mutt's debug file (tail)
mutt_trace() {
	note "mutt's IMAP exchange (tail of ~/.muttdebug0):"
	grep -hE '\] [0-9]+[<>] ' "$MUTTHOME"/.muttdebug* "$MUTTHOME"/.neomuttdebug* 2>/dev/null | tail -n 25 | cut -c1-200 | sed 's/^/    | /'
}
MUTT_FAILED=0
# step ERE DESCRIPTION [SECS]: wait for ERE on the screen; a check
step() {
	if wait_screen "$1" "${3:-10}"; then
		pass "$2"
	else
		fail "$2 (no line matching /$1/ on mutt's screen)"
		note "screen:"; grep -v '^$' "$SCR" | cut -c1-160 | show /dev/stdin
		[ $MUTT_FAILED = 1 ] || mutt_trace
		MUTT_FAILED=1
		return 1
	fi
}
keys() { tm send-keys -t mutt "$@"; }
# start_mutt RCFILE [MUTT ARGS]: mutt in a detached tmux session, 220x100, UTF-8
start_mutt() {
	local rc=$1; shift
	rm -f "$T_TMP/mutt.rc"
	tm -u -f /dev/null new-session -d -s mutt -x 220 -y 100 \
		"env HOME=$MUTTHOME LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC TERM=screen $MUTT -n -F $rc -d 2 $*; echo \$? > $T_TMP/mutt.rc" \
		|| { fail "tmux new-session"; exit 1; }
}
# wait_mutt_exit DESCRIPTION: mutt ended with status 0 within 10 s
wait_mutt_exit() {
	local secs=$(( (MUTT_END - ${EPOCHREALTIME/./}) / 1000000 ))
	[ "$secs" -gt 10 ] && secs=10
	[ "$secs" -lt 1 ] && secs=1
	if wait_file_match "$T_TMP/mutt.rc" '^[0-9]+$' "$secs"; then
		expect_eq "$(cat "$T_TMP/mutt.rc")" 0 "$1"
	else
		fail "$1 (mutt still running after $secs s)"
		screen "$SCR"; show "$SCR"
		tm kill-session -t mutt 2> /dev/null
	fi
}
