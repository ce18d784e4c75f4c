#!/bin/sh
# Checks that every relative link and image in README.md and docs/*.md resolves: the file or folder exists inside
# the repository and is not ignored by git, and a #anchor names a heading of the target Markdown file (GitHub's
# rule: lowercase, spaces to '-', punctuation other than '-' and '_' removed, '-1', '-2' ... for repeats).
# Also that the front page links every file of docs/.
# Usage: tests/docs.sh [ROOT] (default: this repository). POSIX sh, awk, sed, grep.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cd "${1:-$here/..}" || exit 1
root=$(pwd -P)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# anchors FILE: the anchor of every heading of a Markdown file, one a line (headings inside code fences are not headings).
anchors() {
    awk '
        /^ ? ? ?(```|~~~)/ { fence = !fence; next }
        fence { next }
        /^ ? ? ?##?#?#?#?#?([ \t]|$)/ {
            h = $0
            sub(/^ *#+[ \t]*/, "", h); sub(/[ \t]+#+[ \t]*$/, "", h); sub(/[ \t]+$/, "", h)
            h = tolower(h)
            gsub(/[][!"#$%&'\''()*+,.\/:;<=>?@\\^`{|}~]/, "", h)
            gsub(/ /, "-", h)
            n = seen[h]++
            print (n ? h "-" n : h)
        }' "$1"
}

# links FILE: "LINE<TAB>TARGET" for every Markdown link and image ([text](target), ![alt](target), [ref]: target),
# outside code fences and code spans; link text may run over several lines.
links() {
    awk '
        function flush(   text, out, span, nl, rest, target, line) {
            if (para == "") return
            text = para; out = ""
            # a code span becomes its line breaks only, so line numbers stay right
            while (match(text, /`[^`]*`/)) {
                span = substr(text, RSTART, RLENGTH); nl = span; gsub(/[^\n]/, "", nl)
                out = out substr(text, 1, RSTART - 1) nl
                text = substr(text, RSTART + RLENGTH)
            }
            text = out text
            line = start
            while (match(text, /\]\([^)]*\)/)) {
                rest = substr(text, 1, RSTART); line += gsub(/\n/, "", rest)
                target = substr(text, RSTART + 2, RLENGTH - 3)
                print line "\t" target
                text = substr(text, RSTART + RLENGTH)
            }
            para = ""
        }
        /^ ? ? ?(```|~~~)/ { flush(); fence = !fence; next }
        fence { next }
        /^[ \t]*$/ { flush(); next }
        /^ ? ? ?\[[^]]+\]:[ \t]+[^ \t]/ {
            flush(); target = $0; sub(/^ *\[[^]]+\]:[ \t]+/, "", target); print NR "\t" target; next
        }
        { if (para == "") { start = NR; para = $0 } else para = para "\n" $0 }
        END { flush() }' "$1"
}

# resolve FROM PATH: the absolute path PATH names from the file FROM (its folder), or nothing if it does not exist.
resolve() {
    full=$(dirname "$1")/$2
    if [ -d "$full" ]; then
        (cd "$full" && pwd -P)
    elif [ -e "$full" ]; then
        dir=$(cd "$(dirname "$full")" && pwd -P) && echo "$dir/$(basename "$full")"
    fi
}

use_git=no
if command -v git >/dev/null 2>&1 && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then use_git=yes; fi

files="README.md $(ls docs/*.md 2>/dev/null | tr '\n' ' ')"
total=0 failed=0
: >"$work/readme-targets"
for file in $files; do
    if [ ! -f "$file" ]; then
        fail "every_relative_link_in_${file}_resolves" "$file does not exist"
        failed=1
        continue
    fi
    : >"$work/bad"
    links "$file" >"$work/links"
    while IFS='	' read -r line target; do
        target=$(printf '%s' "$target" | sed 's/^[[:space:]]*<\{0,1\}//; s/>\{0,1\}[[:space:]]*$//; s/[[:space:]].*//')
        case $target in
            *://* | mailto:*) continue ;;
            '') echo "$file:$line: empty link target" >>"$work/bad"; continue ;;
        esac
        total=$((total + 1))
        path=${target%%#*}
        anchor=
        case $target in *'#'*) anchor=${target#*#} ;; esac
        if [ -z "$path" ]; then
            dest=$root/$file
        else
            dest=$(resolve "$file" "$path")
            if [ -z "$dest" ]; then
                echo "$file:$line: $target: no such file or folder as $(dirname "$file")/$path" >>"$work/bad"
                continue
            fi
            case $dest/ in
                "$root"/*) ;;
                *) echo "$file:$line: $target: outside the repository ($dest)" >>"$work/bad"; continue ;;
            esac
            if [ $use_git = yes ] && git check-ignore -q "$dest"; then
                echo "$file:$line: $target: ignored by git, so not in a clone" >>"$work/bad"
                continue
            fi
        fi
        [ "$file" = README.md ] && echo "$dest" >>"$work/readme-targets"
        if [ -n "$anchor" ]; then
            case $dest in
                *.md)
                    if ! anchors "$dest" | grep -qxF -- "$anchor"; then
                        echo "$file:$line: $target: no heading of ${path:-$file} gives #$anchor" >>"$work/bad"
                    fi ;;
                *) [ -d "$dest" ] && echo "$file:$line: $target: #$anchor on a folder" >>"$work/bad" ;;
            esac
        fi
    done <"$work/links"
    if [ -s "$work/bad" ]; then
        fail "every_relative_link_in_${file}_resolves"
        sed 's/^/  /' "$work/bad"
        failed=1
    else
        pass "every_relative_link_in_${file}_resolves"
    fi
done

if [ "$total" -gt 0 ]; then
    pass "the_link_scan_finds_links"
else
    fail "the_link_scan_finds_links" "no relative link found in $files: the checks above would prove nothing"
    failed=1
fi

missing=""
for doc in docs/*.md; do
    [ -f "$doc" ] || continue
    grep -qxF "$root/$doc" "$work/readme-targets" || missing="$missing $doc"
done
if [ -z "$missing" ]; then
    pass "the_front_page_links_every_docs_file"
else
    fail "the_front_page_links_every_docs_file" "README.md does not link:$missing"
    failed=1
fi
exit $failed
