# Helpers shared by the shell test suites (sourced): PASS/FAIL lines and reading a results CSV.

pass() { echo "PASS: $1"; }
fail() {
    echo "FAIL: $1"
    shift
    for detail in "$@"; do echo "  $detail"; done
}

# expect NAME DETAIL TEST-WORDS...: passes when `test TEST-WORDS...` holds; else prints DETAIL.
expect() {
    name=$1 detail=$2
    shift 2
    if test "$@"; then pass "$name"; else fail "$name" "$detail"; fi
}

# value FILE CASE PROFILE PHASE COLUMN: one value of a results CSV (first rep).
value() {
    tr -d '\r' <"$1" | awk -F, -v c="$2" -v a="$3" -v p="$4" -v col="$5" '
        NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
        $at["case"] == c && $at["alloc"] == a && $at["phase"] == p && $at["rep"] == 1 { print $at[col]; exit }'
}

# wait_until SECONDS COMMAND...: runs COMMAND every 20 ms until it succeeds (0) or SECONDS have passed (1): for a
# test that must act while a background job is in a given state.
wait_until() {
    tries_left=$(($1 * 50))
    shift
    until "$@"; do
        [ "$tries_left" -le 0 ] && return 1
        tries_left=$((tries_left - 1))
        sleep 0.02
    done
}
