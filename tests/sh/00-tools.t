#!/usr/bin/env bash
# The test tools themselves, before they are trusted by the other tests:
# tests/bin/checkpassword-test must follow djb's checkpassword interface
# (https://cr.yp.to/checkpwd/interface.html), and tests/bin/mkmaildir must write
# Maildir names as the Maildir page and DESIGN.md section 3 describe.
. "$(dirname "$0")/lib.sh"

add_user joe secret 61001
add_user tmpfail '!111' 61002
export CHECKPASSWORD_TEST_USERS=$USERS CHECKPASSWORD_TEST_LOG=$CHECKER_LOG

# checkpw FD3DATA PROG...: run the checker with FD3DATA on descriptor 3
checkpw() {
	local data=$1; shift
	CK_OUT=$(printf "$data" | timeout 10 "$BIN/checkpassword-test" "$@" 3<&0 </dev/null 2>&1)
	CK_RC=$?
}

checkpw 'joe\0secret\0now\0' sh -c 'echo "$(id -u):$(id -g):$(id -G):$(pwd):$USER:$HOME:$SHELL:$AUTHENTICATED"'
expect_eq "$CK_RC" 0 "right password: the checker execs the program"
expect_eq "$CK_OUT" "61001:61001:61001:$T_TMP/home/joe:joe:$T_TMP/home/joe:/bin/sh:joe" \
	"uid, gid, groups, cwd, USER, HOME, SHELL, AUTHENTICATED set up"
checkpw 'joe\0wrong\0now\0' true
expect_eq "$CK_RC" 1 "wrong password: exit 1"
checkpw 'nobody\0secret\0now\0' true
expect_eq "$CK_RC" 1 "unknown user: exit 1"
checkpw 'tmpfail\0x\0now\0' true
expect_eq "$CK_RC" 111 "user with !111: exit 111"
checkpw 'joe\0secret\0now\0'
expect_eq "$CK_RC" 2 "no program: exit 2"
checkpw 'joe' true
expect_eq "$CK_RC" 2 "malformed fd 3 data: exit 2"
CHECKPASSWORD_TEST_USERS=$T_TMP/nonexistent checkpw 'joe\0secret\0now\0' true
expect_eq "$CK_RC" 111 "users file missing: exit 111"
expect "$CHECKER_LOG" '^joe ok$' "checker log records a success"
expect_not "$CHECKER_LOG" 'secret' "checker log never holds a password"
# SIGPIPE must not stay ignored in the program the checker execs
checkpw 'joe\0secret\0now\0' sh -c 'grep "^SigIgn" /proc/self/status'
sigign=$(printf '%s' "$CK_OUT" | awk '{print $2}')
if [ $(( 0x$sigign & 0x1000 )) = 0 ]; then pass "SIGPIPE not ignored after exec"; else fail "SIGPIPE ignored ($CK_OUT)"; fi

# mkmaildir
md=$T_TMP/md
timeout 30 "$BIN/mkmaildir" "$md" 12 9 61001:61001 || fail "mkmaildir exit status"
for d in tmp new cur; do [ -d "$md/$d" ] || fail "no $d/"; done
expect_eq "$(ls "$md/cur" | wc -l)" 12 "12 messages in cur/"
expect_eq "$(find "$md/new" "$md/tmp" -type f | wc -l)" 0 "new/ and tmp/ empty"
expect_eq "$(ls "$md/cur" | grep -c ':2,S$')" 9 "9 messages flagged S"
expect_eq "$(ls "$md/cur" | sort | head -n 9 | grep -c ':2,S$')" 9 "the first 9 (in name order) are the seen ones"
expect_eq "$(ls -tr "$md/cur" | head -n 9 | grep -c ':2,S$')" 9 "the first 9 (in mtime order) are the seen ones"
bad=0
for f in "$md"/cur/*; do
	n=$(basename "$f")
	[[ $n =~ ^[0-9]+\.M[0-9]+P[0-9]+Q[0-9]+\.[^,:/]+,S=([0-9]+),W=([0-9]+):2,S?$ ]] || { bad=1; note "bad name $n"; continue; }
	s=$(stat -c %s "$f"); w=$((s + $(wc -l < "$f")))
	[ "${BASH_REMATCH[1]}" = "$s" ] && [ "${BASH_REMATCH[2]}" = "$w" ] || { bad=1; note "bad sizes in $n (S=$s W=$w)"; }
	grep -q $'\r' "$f" && { bad=1; note "CR in $n"; }
done
[ $bad = 0 ] && pass "names follow time.MusecPpidQn.host,S=,W=:2,flags with correct sizes, LF line ends"
expect_eq "$(cat "$md"/cur/* | grep -c '^Message-ID: ')" 12 "each message has a Message-ID"
expect_eq "$(cat "$md"/cur/* | grep '^Message-ID: ' | sort -u | wc -l)" 12 "the messages are distinct"
expect_eq "$(stat -c %u:%g "$md" "$md/cur" "$(ls -d "$md"/cur/* | head -n1)" | sort -u)" "61001:61001" "chowned to the owner"
