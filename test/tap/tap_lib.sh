# test/tap/tap_lib.sh - a little TAP for pg_xray's scenario tests (sourced).
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
trap pg_stop_all EXIT
T_N=0
T_FAIL=0

is() {
	local got=$1 want=$2 name=$3
	T_N=$((T_N + 1))
	if [ "$got" == "$want" ]; then
		echo "ok $T_N - $name"
	else
		echo "not ok $T_N - $name"
		echo "#   got:      '$got'"
		echo "#   expected: '$want'"
		T_FAIL=$((T_FAIL + 1))
	fi
}

# ok COND NAME: passes when COND is t (a boolean from psql, or "echo t")
ok() {
	local cond=$1 name=$2
	T_N=$((T_N + 1))
	if [ "$cond" == "t" ]; then
		echo "ok $T_N - $name"
	else
		echo "not ok $T_N - $name (got '$cond')"
		T_FAIL=$((T_FAIL + 1))
	fi
}

# ok_status STATUS NAME: passes when STATUS (a command's exit status) is 0
ok_status() {
	local status=$1 name=$2
	T_N=$((T_N + 1))
	if [ "$status" == "0" ]; then
		echo "ok $T_N - $name"
	else
		echo "not ok $T_N - $name (exit status $status)"
		T_FAIL=$((T_FAIL + 1))
	fi
}

done_testing() {
	echo "1..$T_N"
	[ $T_FAIL -eq 0 ]
}

# q PORT SQL: one value, unaligned
q() {
	psql_at "$1" -At -c "$2" 2>&1
}
