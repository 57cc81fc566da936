# tests/scale/lib.sh: several imapd hosts on one machine, for tests/scale/scale
# (issue 12).  Source it after tests/sh/lib.sh.
#
# Each backend host is a Linux network namespace with a veth pair to a bridge in the
# root namespace: bridge 10.77.N.1/24, hosts 10.77.N.11, .12, ... (N chosen per run
# among subnets no interface of this machine uses).  Nothing is routed off the
# machine.  Every name carries the test's pid (namespaces imapd-scPID-b1 ..., bridge
# imscPID, veths imscPIDvK), so a parallel run cannot clash; names of a run whose
# pid is gone (a run killed with SIGKILL) are removed at the next start.  At exit the
# veths, the bridge and the namespaces go first, then lib.sh's cleanup stops the
# processes (the namespaces die with their last process).
#
# A backend is the repository's service directory, copied as make_service does
# (run, log/run, tcprules/imap.rules, env/ read by envdir), supervised by an svscan
# started inside the namespace with `ip netns exec`, listening on port 143 of every
# address of its host, with its own users file (tests/bin/checkpassword-test) and its
# own homes under $T_TMP/hosts/NAME/home.  Its tcprules let the proxy's address
# (the bridge's) log in without TLS, as they let 127.: the proxy terminates TLS.

SC_ID=$$
SC_NS=imapd-sc$SC_ID
SC_BR=imsc$SC_ID
SC_HOSTS=()
FRONT_USERS=$T_TMP/front-users   # every user, for the front's checker (auth-http)
: > "$FRONT_USERS"
chmod 644 "$FRONT_USERS"
SC_NEXT_UID=61001

# sc_sweep: remove what a run killed without its cleanup left behind
sc_sweep() {
	local ns pid l p i
	for ns in $(ip netns list 2> /dev/null | awk '{print $1}' | grep -E '^imapd-sc[0-9]+-b[0-9]+$'); do
		pid=${ns#imapd-sc}; pid=${pid%%-*}
		kill -0 "$pid" 2> /dev/null || { note "removing leftover namespace $ns"; ip netns del "$ns"; }
	done
	for l in $(ip -o link show 2> /dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^imsc[0-9]+(v[0-9]+)?$'); do
		pid=${l#imsc}; pid=${pid%%v*}
		kill -0 "$pid" 2> /dev/null || { note "removing leftover link $l"; ip link del "$l" 2> /dev/null; }
	done
	# the processes such a run started are still in its cgroups (svscan, supervise,
	# tcpserver, perdition, nginx): stop them by pid, then remove the groups
	for l in /sys/fs/cgroup/cpuacct/imapd-sc[0-9]*-*; do
		[ -d "$l" ] || continue
		pid=${l#*/imapd-sc}; pid=${pid%%-*}
		kill -0 "$pid" 2> /dev/null && continue
		note "stopping what is left in $l"
		for p in $(cat "$l/cgroup.procs" 2> /dev/null); do kill -KILL "$p" 2> /dev/null; done
		for ((i = 0; i < 20; i++)); do rmdir "$l" 2> /dev/null && break; sleep 0.1; done
	done
}

# sc_teardown: the network part of the cleanup (links, bridge, namespace names)
sc_teardown() {
	local h d p i
	# stop what runs first (lib.sh's cleanup does it again, finding nothing), so that the
	# cgroups are empty and can go
	for d in "${T_SVSCANS[@]}"; do
		for p in "$d"/*; do
			[ -d "$p/supervise" ] && timeout 5 svc -dx "$p" 2> /dev/null
			[ -d "$p/log/supervise" ] && timeout 5 svc -dx "$p/log" 2> /dev/null
		done
	done
	for p in "${T_PGIDS[@]}"; do kill -TERM -- "-$p" 2> /dev/null; done
	for ((i = 0; i < 30; i++)); do
		local alive=0
		for p in "${T_PGIDS[@]}"; do kill -0 -- "-$p" 2> /dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${T_PGIDS[@]}"; do kill -KILL -- "-$p" 2> /dev/null; done
	# what left the process groups (perdition calls setsid) is still in this run's cgroups
	for d in /sys/fs/cgroup/cpuacct/imapd-sc$SC_ID-*; do
		[ -f "$d/cgroup.procs" ] || continue
		for p in $(cat "$d/cgroup.procs"); do kill -KILL "$p" 2> /dev/null; done
	done
	for ((i = 0; i < 20; i++)); do
		rmdir /sys/fs/cgroup/cpuacct/imapd-sc$SC_ID-* 2> /dev/null
		ls -d /sys/fs/cgroup/cpuacct/imapd-sc$SC_ID-* > /dev/null 2>&1 || break
		sleep 0.1
	done
	for h in "${SC_HOSTS[@]}"; do
		ip link del "${SC_BR}v${h#b}" 2> /dev/null
		ip netns del "$SC_NS-$h" 2> /dev/null
	done
	ip link del "$SC_BR" 2> /dev/null
}

# net_up COUNT: the bridge and COUNT hosts b1..bCOUNT; sets SUBNET (10.77.N),
# FRONT_IP (the bridge's address, where the backends see the proxies from), and for
# each host NS_bK and ADDR_bK
net_up() {
	local n k tries ns
	command -v ip > /dev/null || skip_all "no ip (iproute2)"
	sc_sweep
	trap 'rc=$?; sc_teardown; (exit $rc); cleanup' EXIT
	for ((tries = 0; tries < 50; tries++)); do
		n=$((RANDOM % 250 + 2))
		ip -4 -o addr show | grep -q " 10\.77\.$n\." && continue
		ip -4 route show | grep -q "^10\.77\.$n\." && continue
		break
	done
	SUBNET=10.77.$n
	FRONT_IP=$SUBNET.1
	ip link add "$SC_BR" type bridge || skip_all "cannot create a bridge (ip link add type bridge)"
	ip addr add "$FRONT_IP/24" dev "$SC_BR" && ip link set "$SC_BR" up || { fail "bridge $SC_BR"; exit 1; }
	for ((k = 1; k <= $1; k++)); do
		ns=$SC_NS-b$k
		if ! ip netns add "$ns"; then
			[ "$k" = 1 ] && skip_all "cannot create network namespaces here (ip netns add: not root, or a container without CAP_SYS_ADMIN)"
			fail "ip netns add $ns"; exit 1
		fi
		SC_HOSTS+=("b$k")
		ip link add "${SC_BR}v$k" type veth peer name eth0 netns "$ns" &&
			ip link set "${SC_BR}v$k" master "$SC_BR" up &&
			ip -n "$ns" addr add "$SUBNET.$((10 + k))/24" dev eth0 &&
			ip -n "$ns" link set eth0 up &&
			ip -n "$ns" link set lo up || { fail "veth for $ns"; exit 1; }
		eval "NS_b$k=\$ns ADDR_b$k=\$SUBNET.\$((10 + k))"
	done
	pass "network: bridge $SC_BR $FRONT_IP/24, hosts ${SC_HOSTS[*]} at $SUBNET.11-$((10 + $1)) in namespaces $SC_NS-b*"
}

# in_host HOST CMD...: run CMD in HOST's namespace
in_host() { local h=$1; shift; eval "ip netns exec \$NS_$h \"\$@\""; }

# host_port_open HOST PORT: something listens on PORT in HOST's namespace
host_port_open() { in_host "$1" ss -Hltn "sport = :$2" 2> /dev/null | grep -q .; }

# make_backend HOST: the service directory $T_TMP/hosts/HOST/service/imapd (as
# make_service makes it), with HOST's own users file and checker log
make_backend() {
	local h=$1 dir=$T_TMP/hosts/$1 lu
	local svc=$dir/service/imapd
	need_imapd
	need_service_files
	mkdir -p "$svc/log/main" "$svc/env" "$svc/tcprules" "$dir/home"
	chmod 755 "$dir" "$dir/home"
	cp "$TOP/run" "$svc/run"
	cp "$TOP/log/run" "$svc/log/run"
	chmod 755 "$svc/run" "$svc/log/run"
	# the proxies connect from the bridge's address: TLS ended there, so allow LOGIN
	{ printf '# the proxy in front of this host (TLS ends there)\n%s:allow,IMAPD_PLAINTEXT=""\n' "$FRONT_IP"
	  cat "$TOP/tcprules/imap.rules"; } > "$svc/tcprules/imap.rules"
	compile_rules "$svc/tcprules/imap.rules" "$svc/tcprules/imap.cdb"
	: > "$dir/users"; chmod 644 "$dir/users"
	printf '%s\n' 0 > "$svc/env/IP"
	printf '%s\n' 143 > "$svc/env/PORT"
	printf '%s\n' "$IMAPD" > "$svc/env/IMAPD"
	printf '%s\n' "/usr/bin/env CHECKPASSWORD_TEST_USERS=$dir/users CHECKPASSWORD_TEST_LOG=$dir/checker.log $BIN/checkpassword-test" > "$svc/env/CHECKPASSWORD"
	printf '%s\n' 0 > "$svc/env/IMAPD_FAILDELAY"
	for lu in $(sed -n 's/.*setuidgid  *\([^ ]*\).*/\1/p' "$svc/log/run"); do
		if ! getent passwd "$lu" > /dev/null; then
			useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$lu" || { fail "useradd $lu"; exit 1; }
			T_SYSUSERS+=("$lu")
		fi
		chown "$lu" "$svc/log/main"
	done
	eval "SVC_$h=\$svc LOG_$h=\$svc/log/main/current"
}

# backend_user HOST NAME PASSWORD: a user of HOST (home $T_TMP/hosts/HOST/home/NAME,
# uid from 61001 up, the same on every host), also in the front's users file (home /:
# the front holds passwords, not mail).  Sets HOME_NAME, UID_NAME.
backend_user() {
	local h=$1 name=$2 pw=$3 uid=${4:-}
	[ -n "$uid" ] || { uid=$SC_NEXT_UID; SC_NEXT_UID=$((SC_NEXT_UID + 1)); }
	local home=$T_TMP/hosts/$h/home/$name
	mkdir -p "$home"
	chown "$uid:$uid" "$home"
	chmod 700 "$home"
	printf '%s:%s:%s:%s:%s\n' "$name" "$pw" "$uid" "$uid" "$home" >> "$T_TMP/hosts/$h/users"
	grep -q "^$name:" "$FRONT_USERS" || printf '%s:%s:%s:%s:/\n' "$name" "$pw" "$uid" "$uid" >> "$FRONT_USERS"
	eval "HOME_$name=\$home UID_$name=\$uid"
}

# start_backend HOST: svscan on HOST's service directory inside HOST's namespace (in
# the cgroup "backends"), then wait for port 143 there
start_backend() {
	local h=$1 i
	eval "local svc=\$SVC_$h"
	start_svscan "${svc%/imapd}" backends "$h"
	for ((i = 0; i < 150; i++)); do host_port_open "$h" 143 && break; sleep 0.1; done
	if host_port_open "$h" 143; then
		pass "backend $h: imapd under tcpserver listens on $(eval echo \$ADDR_$h):143 inside $(eval echo \$NS_$h)"
	else
		fail "backend $h does not listen on port 143 after 15s"
		note "svstat: $(svstat "$svc" "$svc/log" 2>&1 | tr '\n' ' ')"; show "${svc%/imapd}.svscan.out"
		exit 1
	fi
}

# backend_down HOST / backend_up HOST: svc -d / svc -u, waiting until port 143 is
# closed / open in HOST's namespace
backend_down() {
	local i; eval "local svc=\$SVC_$1"
	svc -d "$svc"
	for ((i = 0; i < 100; i++)); do host_port_open "$1" 143 || return 0; sleep 0.1; done
	fail "backend $1 still listens 10s after svc -d"
}
backend_up() {
	local i; eval "local svc=\$SVC_$1"
	svc -u "$svc"
	for ((i = 0; i < 100; i++)); do host_port_open "$1" 143 && return 0; sleep 0.1; done
	fail "backend $1 does not listen 10s after svc -u"
}

# cg_dir NAME: a cpuacct cgroup for this run's NAME (empty when cgroup v1 cpuacct is
# not mounted writable); cg_usage NAME: its CPU time in ms
cg_dir() {
	local d=/sys/fs/cgroup/cpuacct
	[ -w "$d/cgroup.procs" ] && echo "$d/imapd-sc$SC_ID-$1"
}
cg_usage() {
	local d; d=$(cg_dir "$1")
	[ -n "$d" ] && [ -f "$d/cpuacct.usage" ] && echo $(( $(cat "$d/cpuacct.usage") / 1000000 ))
}

# start_svscan DIR CGROUP [HOST]: svscan on DIR (in HOST's namespace when given), in
# the cpuacct group CGROUP of this run when there is one; stopped at exit
start_svscan() {
	local dir=$1 cg ns=
	cg=$(cg_dir "$2")
	[ -n "${3:-}" ] && eval "ns=\$NS_$3"
	bg sh -c 'g=$1; ns=$2; shift 2; [ -n "$g" ] && mkdir -p "$g" 2> /dev/null && echo $$ > "$g/cgroup.procs" 2> /dev/null
		if [ -n "$ns" ]; then exec ip netns exec "$ns" "$@"; else exec "$@"; fi' sh \
		"$cg" "$ns" svscan "$dir" > "$dir.svscan.out" 2>&1 < /dev/null
	T_SVSCANS+=("$dir")
}

# make_front PIECE NAME: a service directory $T_TMP/front/NAME/NAME from the
# repository's tests/scale/service/PIECE/run, with an env/ directory; sets FSVC_NAME.
# Settings: front_env NAME VAR VALUE.  Start with start_front NAME PORT.
make_front() {
	local d=$T_TMP/front/$2
	mkdir -p "$d/$2/env"
	chmod 755 "$T_TMP/front" "$d" "$d/$2"
	cp "$TOP/tests/scale/service/$1/run" "$d/$2/run"
	chmod 755 "$d/$2/run"
	eval "FSVC_${2//-/_}=\$d/\$2"
}
front_env() { eval "printf '%s\n' \"\$3\" > \"\$FSVC_${1//-/_}/env/\$2\""; }
# start_front NAME PORT...: svscan for it (cgroup NAME), then wait for each PORT on 127.0.0.1
start_front() {
	local name=$1 p; shift
	eval "local svc=\$FSVC_${name//-/_}"
	start_svscan "${svc%/*}" "$name"
	for p in "$@"; do
		if wait_port "$p" 15; then
			pass "$name listens on 127.0.0.1:$p"
		else
			fail "$name does not listen on 127.0.0.1:$p after 15s"
			note "svstat: $(svstat "$svc" 2>&1)"; show "${svc%/*}.svscan.out"
			exit 1
		fi
	done
}
# front_log NAME: what the piece wrote (its run script sends stderr to svscan's output)
front_log() { eval "cat \"\${FSVC_${1//-/_}%/*}.svscan.out\""; }

# map_set USER HOST|-: USER's host in the popmap text $POPMAP_TXT (what auth-http reads)
# and in perdition's gdbm map $POPMAP_DB (makegdbm into a new file, then rename, so
# a lookup sees the old map or the new one); HOST - removes USER from the map
map_set() {
	local u=$1 h=$2 addr
	{ grep -v "^$u:" "$POPMAP_TXT" 2> /dev/null
	  if [ "$h" != - ]; then eval "addr=\$ADDR_$h"; printf '%s:%s:143\n' "$u" "$addr"; fi
	} > "$POPMAP_TXT.new"
	mv "$POPMAP_TXT.new" "$POPMAP_TXT"
	chmod 644 "$POPMAP_TXT"
	makegdbm "$POPMAP_DB.new" < "$POPMAP_TXT" > /dev/null || fail "makegdbm $POPMAP_DB"
	chmod 644 "$POPMAP_DB.new"
	mv "$POPMAP_DB.new" "$POPMAP_DB"
}
