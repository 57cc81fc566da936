#!/usr/bin/env bash
# NeoMutt through 62-mutt-edit.t's steps: it reads the same muttrc (but for mutt-only
# variables, which lib.sh leaves out) and draws the same index and pager.
MUTT=neomutt
. "$(dirname "$0")/62-mutt-edit.t"
