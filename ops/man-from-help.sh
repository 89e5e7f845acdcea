#!/bin/sh
# Writes a man page (roff) for a program from its own --help text, so the page always matches
# the binary. Used by the package build (cmake/ProeftuinPackaging.cmake).
#   man-from-help.sh BINARY NAME SECTION "SUMMARY" HELP_FLAG VERSION > NAME.SECTION
set -eu
[ $# -eq 6 ] || { echo "usage: man-from-help.sh BINARY NAME SECTION SUMMARY HELP_FLAG VERSION" >&2; exit 2; }
binary="$1" name="$2" section="$3" summary="$4" flag="$5" version="$6"

# roff: a backslash is written \e; a line starting with . or ' needs a zero-width escape.
escape() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

help="$(env -u PROEFTUIN_CONFIG "$binary" "$flag" 2>&1 | escape)"
upper="$(echo "$name" | tr '[:lower:]' '[:upper:]')"
cat <<ROFF
.TH $upper $section "" "proeftuin $version" "Proeftuin"
.SH NAME
$name \\- $summary
.SH SYNOPSIS
.B $name
[\\fIOPTIONS\\fR]
.SH DESCRIPTION
The text below is the program's own \\fB$flag\\fR output.
Every option of \\fBproeftuind\\fR also has an environment variable (PROEFTUIND_...), set in
/etc/proeftuin/proeftuind.env for the systemd service.
.PP
.nf
$help
.fi
.SH FILES
.TP
/etc/proeftuin/proeftuind.env
Configuration of the service (environment variables).
.TP
/var/lib/proeftuin/data
The store (an event log in RocksDB), with admin.token after the first start.
.TP
/var/backups/proeftuin
Backups written by proeftuin-backup.timer.
.SH SEE ALSO
.BR proeftuin (1),
.BR proeftuind (8),
/usr/share/doc/proeftuin/OPERATIONS.md,
/usr/share/doc/proeftuin/CLI.md
ROFF
