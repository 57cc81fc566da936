#!/usr/bin/env bash
# Issue 4, "Done when": mutt and Python's imaplib browse a folder of the corpus correctly
# (list, open, attachments), against the real service (svscan, tcpserver, run, imapd).
#
# The corpus (tests/corpus/*.eml, loaded by tests/bin/load-corpus) is both joe's INBOX
# and his subscribed folder Corpus.
#
# 1. Debian's mutt, driven inside tmux (send-keys, capture-pane; every wait bounded):
#    with sort=threads: the INBOX index lists the 74 messages with their RFC 2047
#    subjects and names decoded (KOI8-R, windows-1252, Shift_JIS, UTF-8); change folder to
#    =Corpus; open "A document" (multipart/mixed: text and a base64 PDF): the body text
#    and the attachment headers show; the attachment menu (v) lists report.pdf as
#    application/pdf, base64; saving it (s) writes exactly the bytes Python's email
#    module decodes from the .eml; the same for café.txt (RFC 2231 name, ISO-8859-1)
#    of "RFC 2231 charset and language"; quit: exit status 0, and the two opened
#    messages are \Seen on disk (:2,S), no other.
#    Run 1 has imap_condstore set: mutt enables CONDSTORE (RFC 7162) and copes with MODSEQ
#    in every FETCH. Then with sort=date: =Corpus lists the 74 messages in date order.
# 2. tests/bin/imaplib-browse: LIST/LSUB show Corpus, SELECT, FETCH 1:* (ENVELOPE
#    BODYSTRUCTURE) parses, every message is its file, and every attachment part found
#    by walking BODYSTRUCTURE, fetched with BODY.PEEK[part] and decoded by its transfer
#    encoding (and BINARY.PEEK[part]), equals the email module's decoding of the file.
# mutt's IMAP traffic (mutt -d 2) is shown when a mutt check fails.
. "$(dirname "$0")/lib.sh"

need_mutt

USER_PW='Mu.pw32'
make_service
add_user joe "$USER_PW"
MD=$HOME_joe/MAILDIR.IMAP
CORPUS=$TOP/tests/corpus
NMSG=$(ls "$CORPUS"/[0-9][0-9][0-9]-*.eml | wc -l)
timeout 30 "$PYTHON" "$BIN/load-corpus" "$MD" "$UID_joe" Corpus > "$T_TMP/load.out" 2>&1 \
	|| { show "$T_TMP/load.out"; fail "load-corpus"; exit 1; }
start_service

# expect_same FILE WANTFILE DESCRIPTION: byte-identical files
expect_same() {
	if [ -f "$1" ] && cmp -s "$1" "$2"; then
		pass "$3 ($(wc -c < "$2") bytes)"
	else
		fail "$3"
		note "got:";  { [ -f "$1" ] && od -An -c "$1" | head -n 8 || echo "(no file)"; } | show /dev/stdin
		note "want:"; od -An -c "$2" | head -n 8 | show /dev/stdin
	fi
}
# file_of N: the name of corpus message N in FOLDER_DIR/cur (load-corpus names it ...Q<N>.)
file_of() { ls "$1/cur" | grep -E "Q$2\." ; }

T0=$(now)
MUTT_END=$(( ${EPOCHREALTIME/./} + MUTT_BUDGET * 1000000 ))

# --- run 1: sort=threads ---
# With imap_condstore mutt enables CONDSTORE (RFC 7162 3.1): every FETCH it hears carries MODSEQ.
write_muttrc "$T_TMP/muttrc" threads 'set imap_condstore'
start_mutt "$T_TMP/muttrc"
step "Mutt: =INBOX \[Msgs:$NMSG " "mutt logs in and opens INBOX: $NMSG messages" 15
step '\(threads/date\)' "the index is sorted by threads"
screen "$T_TMP/index-inbox"
n=$(grep -cE '^ +[0-9]+ ' "$T_TMP/index-inbox")
expect_eq "$n" "$NMSG" "the INBOX index shows $NMSG message lines"
expect "$T_TMP/index-inbox" ' Привет, мир$' "KOI8-R subject decoded: Привет, мир"
expect "$T_TMP/index-inbox" ' Иван Петров ' "KOI8-R name decoded: Иван Петров"
expect "$T_TMP/index-inbox" ' Price: 10€ – it’s cheap$' "windows-1252 subject decoded: Price: 10€ – it’s cheap"
expect "$T_TMP/index-inbox" ' 日本語のテスト$' "Shift_JIS subject decoded: 日本語のテスト"
expect "$T_TMP/index-inbox" ' 日本語 café split é$' "adjacent encoded words decoded: 日本語 café split é"
expect "$T_TMP/index-inbox" ' Grüße aus Köln — plain tail$' "UTF-8 B and Q words decoded: Grüße aus Köln — plain tail"
expect "$T_TMP/index-inbox" ' Unencoded UTF-8: über 日本$' "raw UTF-8 subject shown: Unencoded UTF-8: über 日本"
expect "$T_TMP/index-inbox" ' A document$' "subject 'A document' listed"
expect "$T_TMP/index-inbox" ' RFC 2231 charset and language$' "subject 'RFC 2231 charset and language' listed"
expect_not "$T_TMP/index-inbox" '=\?(KOI8-R|koi8-r|ISO-8859-1|windows-1252|Shift_JIS|UTF-8)\?|=\?utf-8\?[bBqQ]\?[^!]' \
	"no well-formed encoded word left undecoded in the index"

# change folder
keys c
step "^Open mailbox" "c asks for a mailbox"
keys C-u '=Corpus' Enter
step "Mutt: =Corpus \[Msgs:$NMSG " "change folder to =Corpus: $NMSG messages"
screen "$T_TMP/index-corpus"
expect "$T_TMP/index-corpus" ' Привет, мир$' "=Corpus index: Привет, мир"
n=$(grep -cE '^ +[0-9]+ ' "$T_TMP/index-corpus")
expect_eq "$n" "$NMSG" "the =Corpus index shows $NMSG message lines"

# open the multipart message with a PDF attachment
keys / C-u '~s "^A document$"' Enter
keys Enter
step '^Please find the document attached\.$' "open 'A document': the body text shows"
step '^\[-- Attachment #2: report\.pdf --\]$' "the pager names attachment #2 report.pdf"
step '^\[-- Type: application/pdf, Encoding: base64, Size: 0\.[0-9]K --\]$' "the pager shows its type application/pdf, base64"
keys v
step '^-- Mutt: Attachments' "v opens the attachment menu"
screen "$T_TMP/attach-1"
expect "$T_TMP/attach-1" '^ +I +1 <no description> +\[text/plain, 7bit, utf-8, ' "attachment 1: text/plain, 7bit, utf-8 (inline)"
expect "$T_TMP/attach-1" '^ +A +2 report\.pdf +\[application/pdf, base64, ' "attachment 2: report.pdf, application/pdf, base64"
n=$(grep -cE '^ +[IA] +[0-9]+ ' "$T_TMP/attach-1")
expect_eq "$n" 2 "the attachment menu lists 2 parts"
keys / C-u 'report\.pdf' Enter
keys s
step '^Save to file: report\.pdf' "s offers to save report.pdf"
keys C-u "$T_TMP/saved-report.pdf" Enter
step '^Attachment saved\.' "mutt saved the attachment"
timeout 10 "$PYTHON" "$BIN/imaplib-browse" --part "$CORPUS/027-multipart-mixed.eml" 2 > "$T_TMP/want-report.pdf"
expect_same "$T_TMP/saved-report.pdf" "$T_TMP/want-report.pdf" "saved report.pdf = the email module's base64 decoding"
keys q
step '^i:Exit' "q: back to the pager"
keys q
step "Mutt: =Corpus \[Msgs:$NMSG " "q: back to the index"

# RFC 2231 file names in ISO-8859-1, an 8-bit text attachment
keys / C-u '~s "^RFC 2231 charset and language$"' Enter
keys Enter
step '^\[-- Attachment #2: café\.txt --\]$' "open 'RFC 2231 charset and language': attachment #2 café.txt (RFC 2231)"
step '^café$' "its text (ISO-8859-1) shows: café"
step '^\[-- Attachment #3: encoded nameé\.bin --\]$' "attachment #3: encoded nameé.bin"
keys v
step '^-- Mutt: Attachments' "v opens the attachment menu"
screen "$T_TMP/attach-2"
expect "$T_TMP/attach-2" '^ +A +2 café\.txt +\[text/plain, 7bit, iso-8859-1, ' "attachment 2: café.txt, text/plain, iso-8859-1"
expect "$T_TMP/attach-2" '^ +A +3 encoded nameé\.bin +\[application/octet-stream, 7bit, ' "attachment 3: encoded nameé.bin, application/octet-stream"
keys / C-u 'café' Enter
keys s
step '^Save to file: café\.txt' "s offers to save café.txt"
keys C-u "$T_TMP/saved-cafe.txt" Enter
step '^Attachment saved\.' "mutt saved the attachment"
timeout 10 "$PYTHON" "$BIN/imaplib-browse" --part "$CORPUS/044-rfc2231-charset-lang.eml" 2 > "$T_TMP/want-cafe.txt"
expect_same "$T_TMP/saved-cafe.txt" "$T_TMP/want-cafe.txt" "saved café.txt = the email module's decoding (ISO-8859-1 bytes)"
keys q
step '^i:Exit' "q: back to the pager"
keys q
step "Mutt: =Corpus \[Msgs:$NMSG " "q: back to the index"
keys q
wait_mutt_exit "q: mutt quits, exit status 0"

# mutt marked what it opened \Seen (UID STORE +FLAGS.SILENT (\Seen), then CLOSE)
seen=$(ls "$MD/.Corpus/cur" | grep -E ':2,[A-Z]*S[A-Z]*$' | sed -E 's/.*Q([0-9]+)\..*/\1/' | sort -n | tr '\n' ' ')
expect_eq "$seen" "27 44 " "on disk, =Corpus messages 27 and 44 (the two opened) are \\Seen (:2,S), no other"
seen=$(ls "$MD/cur" | grep -cE ':2,[A-Z]*S[A-Z]*$')
expect_eq "$seen" 0 "on disk, no INBOX message is \\Seen"
if grep -qE '\] [0-9]+> .*(ENABLE CONDSTORE|\(CONDSTORE\))' "$MUTTHOME"/.muttdebug0; then
	pass "mutt enabled CONDSTORE (imap_condstore), and browsed as above with it"
else
	fail "mutt enabled CONDSTORE (imap_condstore): no ENABLE CONDSTORE in its IMAP exchange"
	mutt_trace
fi

# --- run 2: sort=date ---
write_muttrc "$T_TMP/muttrc-date" date 'set index_format="%4C %Z %[%Y-%m-%d %H:%M:%S] %-15.15L %s"'
start_mutt "$T_TMP/muttrc-date" -f =Corpus
step "Mutt: =Corpus \[Msgs:$NMSG " "mutt -f =Corpus (sort=date): $NMSG messages" 15
step '\(date/date\)' "the index is sorted by date"
screen "$T_TMP/index-date"
grep -E '^ +[0-9]+ ' "$T_TMP/index-date" | grep -oE ' [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}( |$)' \
	| sed 's/ *$//' > "$T_TMP/dates"
expect_eq "$(wc -l < "$T_TMP/dates")" "$NMSG" "the date-sorted index shows $NMSG dated lines"
if sort -c "$T_TMP/dates" 2> /dev/null; then pass "the dates go up"; else fail "the dates do not go up: $(sort -c "$T_TMP/dates" 2>&1)"; fi
expect_order "$T_TMP/index-date" ' 1994-02-08 05:52:25 .* afternoon meeting$' ' 2003-07-04 08:00:00 .* Привет, мир$' \
	"1994's 'afternoon meeting' before 2003's 'Привет, мир' (Fri, 4 Jul 2003 12:00:00 +0400)"
keys / C-u '~s "^A document$"' Enter
keys Enter
step '^Please find the document attached\.$' "open 'A document' again: the body text shows"
keys q
step "Mutt: =Corpus \[Msgs:$NMSG " "q: back to the index"
keys q
wait_mutt_exit "q: mutt quits, exit status 0"
note "mutt took $(since "$T0") s"

# ---- python imaplib --------------------------------------------------------------------
timeout 40 "$PYTHON" "$BIN/imaplib-browse" 127.0.0.1 "$PORT" joe "$USER_PW" Corpus \
	> "$T_TMP/browse.out" 2> "$T_TMP/browse.err"
rc=$?
checks_from "$T_TMP/browse.out" "imaplib: "
expect "$T_TMP/browse.out" '^done$' "imaplib-browse got to its end"
expect "$T_TMP/browse.out" "^counts messages=$NMSG with_attachments=(1[0-9]|[2-9][0-9]) attachments_compared=(1[3-9]|[2-9][0-9]) " \
	"imaplib-browse compared at least 13 attachments in at least 10 messages"
expect_eq "$rc" 0 "imaplib-browse exit status (124: timed out)"
if [ -s "$T_TMP/browse.err" ]; then note "imaplib-browse stderr:"; show "$T_TMP/browse.err"; fi
note "took $(since "$T0") s in all"
