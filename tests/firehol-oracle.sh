#!/usr/bin/env bash
# firehol-oracle.sh - prove with the real FireHOL that the corpus configs are real FireHOL.
#
# Every tests/corpus/valid/*.conf and tests/corpus/fhc-errors/*.conf must be accepted by FireHOL.
# Each one runs as `firehol CONF debug` in its own throwaway network + mount namespace, and passes
# when both steps succeed:
#
#   1. FireHOL accepted the config. In debug mode FireHOL always exits 1, so the exit status says
#      nothing. Accepted means: stderr has "Processing file '<conf>'..." followed (possibly after
#      WARNING blocks) by " OK  (N iptables rules)"; stderr has neither "No changes made to your
#      firewall" (printed after any counted error or a failing `source`) nor an error block
#      (" ERROR : # N") nor a bash error ("<file>: line N: ...": FireHOL ignores e.g. a mistyped
#      command unless it is the last one of the file); stdout has the "# Commands to execute:"
#      section, printed only after the rules were generated.
#   2. The generated payloads ("# IPv4 Rules:" / "# IPv6 Rules:") load with
#      `iptables-legacy-restore --test` / `ip6tables-legacy-restore --test` in the same namespace
#      (FHC_ORACLE_RESTORE=0 turns this off). That is what `firehol start` would do next: Debian's
#      FireHOL 3.1.7 calls the *-legacy binaries directly (/usr/lib/firehol/install.config), so
#      the iptables/iptables-nft alternative does not matter to it, but the kernel must still
#      offer legacy xtables. This catches what generation lets through: undefined action/chain
#      names, IPv4 literals leaking into ip6tables in dual-stack mode, match options that need a
#      protocol, unknown users. Sets referenced by the payload are created (empty, right
#      dimension) in the namespace first, as FireHOL creates declared ipsets before restoring.
#      If legacy restore does not work at all on this kernel, the step is skipped with a notice.
#
# Files in tests/corpus/invalid/ whose header has the line "# oracle: firehol-rejects" must be
# rejected by FireHOL (step 1 must fail). Before the corpus, built-in probes check that FireHOL runs,
# and that an unknown parameter, a mistyped command in mid-file and an undefined action are all
# detected as failures.
#
# Nothing on the host changes: Debian's /etc/default/firehol (START_FIREHOL=NO: the package refuses
# to run) is replaced by a bind-mounted copy with START_FIREHOL=YES, and /run/firehol (lock file and
# temp dirs) by a tmpfs, only inside the private mount namespace. Interfaces a config names are
# created there as dummy devices (FireHOL's debug mode does not inspect them today).
#
# FHC_ORACLE_KEEP=DIR keeps FireHOL's debug output (stdout) of each accepted CONF as
# DIR/<file name>.stdout (tests/corpus/bash/check-firehol.sh compares them).
#
# Usage: tests/firehol-oracle.sh [-v] [CONF ...]
#   -v    show FireHOL's output (and the restore error) for failures and warnings
#   CONF  check only these files (each must be accepted)
# Needs root, unshare, ip, and FireHOL (apt-get install firehol iptables iproute2).
# Exit status: 0 all passed, 1 some config failed, 2 the oracle cannot run here.

set -u
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
corpus="$here/corpus"
FIREHOL=${FIREHOL:-/usr/sbin/firehol}
RESTORE_CHECK=${FHC_ORACLE_RESTORE:-1}
verbose=0
if [ "${1:-}" = "-v" ]; then
	verbose=1
	shift
fi

die() {
	echo "firehol-oracle: $*" >&2
	exit 2
}

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, bind mounts)"
[ -x "$FIREHOL" ] || die "FireHOL not found at $FIREHOL (apt-get install firehol)"
for c in unshare ip mount awk; do
	command -v "$c" >/dev/null 2>&1 || die "missing command: $c"
done

work=$(mktemp -d /tmp/fhc-oracle.XXXXXX) || die "mktemp failed"
trap 'rm -rf "$work"' EXIT

# /etc/default/firehol with START_FIREHOL=YES (Debian's package refuses to run otherwise).
if [ -r /etc/default/firehol ]; then
	sed -e 's/^[[:space:]]*START_FIREHOL=.*/START_FIREHOL=YES/' /etc/default/firehol >"$work/default-firehol"
	grep -q '^START_FIREHOL=YES' "$work/default-firehol" || echo 'START_FIREHOL=YES' >>"$work/default-firehol"
else
	echo 'START_FIREHOL=YES' >"$work/default-firehol"
fi

# The part that runs inside the namespaces: $1 = config, $2 = output dir.
cat >"$work/inns.sh" <<'EOF'
#!/usr/bin/env bash
set -u
conf=$1 out=$2 work=$3
firehol=$4 restore_check=$5
mount --make-rprivate / 2>/dev/null
if [ -e /etc/default/firehol ]; then
	mount --bind "$work/default-firehol" /etc/default/firehol || exit 90
fi
mkdir -p /run/firehol && mount -t tmpfs -o mode=0700 tmpfs /run/firehol || exit 91
ip link set lo up
# interfaces the config names (interface/inface/outface/physin/physout/masquerade/tcpmss/...)
for dev in $(awk -f "$work/ifaces.awk" "$conf" | sort -u); do
	ip link add "$dev" type dummy 2>/dev/null && ip link set "$dev" up 2>/dev/null
done
"$firehol" "$conf" debug >"$out/stdout" 2>"$out/stderr"
echo $? >"$out/rc"
[ "$restore_check" = 1 ] || exit 0
# payloads
awk '/^# IPv4 Rules:$/{f=1;next} /^# (IPv6 Rules|Commands to execute):$/{f=0} f' "$out/stdout" >"$out/rules4"
awk '/^# IPv6 Rules:$/{f=1;next} /^# Commands to execute:$/{f=0} f' "$out/stdout" >"$out/rules6"
: >"$out/restore"
for fam in 4 6; do
	rules="$out/rules$fam"
	[ -s "$rules" ] || continue
	if [ $fam = 4 ]; then r=iptables-legacy-restore; inet=inet; else r=ip6tables-legacy-restore; inet=inet6; fi
	# placeholder ipsets of the right dimension for every set the payload references
	ipset -q flush >/dev/null 2>&1; ipset -q destroy >/dev/null 2>&1
	grep -oE -- '--(match|add|del)-set [^ ]+ [a-z,]+' "$rules" | awk '{print $2, $3}' | sort -u |
	while read -r name dirs; do
		n=$(awk -F, '{print NF}' <<<"$dirs")
		case $n in
			1) t=hash:net ;;
			2) t=hash:ip,port ;;
			*) t=hash:ip,port,ip ;;
		esac
		ipset -exist create "$name" "$t" family $inet timeout 0 counters >/dev/null 2>&1 ||
			ipset -exist create "$name" "$t" family $inet >/dev/null 2>&1
	done
	if ! $r --test <"$rules" >"$out/restore$fam.log" 2>&1; then
		echo "IPv$fam" >>"$out/restore"
	fi
done
exit 0
EOF
chmod +x "$work/inns.sh"

cat >"$work/ifaces.awk" <<'EOF'
# Print the interface names a FireHOL config mentions (best effort, for dummy devices).
function emit(v,   n, a, i) {
	gsub(/["']/, "", v)
	n = split(v, a, /[ ,]+/)
	for (i = 1; i <= n; i++)
		if (a[i] ~ /^[A-Za-z][A-Za-z0-9_.-]*$/ && length(a[i]) <= 15 && a[i] !~ /^(any|not|lo|all|reverse|random|to-ports|ports)$/)
			print a[i]
}
# spaces inside quotes become commas, so a quoted list stays one word
function unquote_spaces(s,   out, i, c, q) {
	out = ""; q = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (q == "" && (c == "\"" || c == "'")) q = c
		else if (c == q) q = ""
		else if (q != "" && (c == " " || c == "\t")) c = ","
		out = out c
	}
	return out
}
{
	sub(/(^|[ \t])#.*/, "")
	n = split(unquote_spaces($0), w, /[ \t]+/)
	for (i = 1; i <= n; i++) {
		k = w[i]
		if (k ~ /^(inface|outface|physin|physout)$/) {
			j = i + 1
			if (w[j] == "not" || w[j] == "!") j++
			emit(w[j])
		} else if (k ~ /^interface(4|6|46)?$/ || (k ~ /^masquerade(4|6|46)?$/ && i <= 2) || k ~ /^docker_bridge$/) {
			emit(w[i + 1])
		} else if (k ~ /^tcpmss(4|6|46)?$/) {
			emit(w[i + 2])
		}
	}
}
EOF

# run_one CONF OUTDIR: runs FireHOL (and the restore test) for CONF in fresh namespaces.
run_one() {
	mkdir -p "$2"
	unshare --mount --net -- "$work/inns.sh" "$1" "$2" "$work" "$FIREHOL" "$RESTORE_CHECK" >"$2/inns.log" 2>&1
	echo $? >"$2/inns.rc"
}

# firehol_accepted CONF OUTDIR: step 1 verdict. Prints the reason on failure.
firehol_accepted() {
	local conf=$1 out=$2
	if [ "$(cat "$out/inns.rc")" != 0 ] || [ ! -f "$out/rc" ]; then
		echo "namespace setup failed: $(tr '\n' ' ' <"$out/inns.log")"
		return 1
	fi
	if grep -q "No changes made to your firewall" "$out/stderr"; then
		echo "FireHOL refused the config"
		return 1
	fi
	if grep -qE "^ *ERROR *: *#" "$out/stderr"; then
		echo "FireHOL reported an error"
		return 1
	fi
	# bash errors while the config runs ("line 12: sever: command not found", "[: too many
	# arguments"): FireHOL only refuses the file when the *last* command fails, so look for them.
	if grep -qE ': line [0-9]+: ' "$out/stderr"; then
		echo "bash error while FireHOL ran the config: $(grep -m1 -oE 'line [0-9]+: .*' "$out/stderr")"
		return 1
	fi
	if ! grep -qF "Processing file '$conf'..." "$out/stderr" ||
		! grep -qE ' OK +\([0-9]+ iptables rules\)' "$out/stderr"; then
		echo "no 'Processing file ... OK (N iptables rules)' from FireHOL"
		return 1
	fi
	if ! grep -q '^# Commands to execute:$' "$out/stdout"; then
		echo "no generated rules (missing '# Commands to execute:')"
		return 1
	fi
	return 0
}

show_output() {
	local out=$1
	{
		echo "    ---- FireHOL stderr:"
		sed 's/^/    | /' "$out/stderr"
		if [ -s "$out/restore" ]; then
			for fam in $(cat "$out/restore"); do
				f=${fam#IPv}
				echo "    ---- ip${f/4/}tables-legacy-restore --test ($fam):"
				sed 's/^/    | /' "$out/restore$f.log"
				line=$(grep -oE 'line:? [0-9]+' "$out/restore$f.log" | grep -oE '[0-9]+' | head -1)
				[ -n "$line" ] && echo "    | offending: $(sed -n "${line}p" "$out/rules$f")"
			done
		fi
	} >&2
}

# ---------------------------------------------------------------------------------------------
# Probes: FireHOL runs at all, legacy restore works, and a broken config is detected as broken.

mkdir -p "$work/probe"
printf 'version 6\ninterface lo loopback\n    server ssh accept\n' >"$work/probe/good.conf"
run_one "$work/probe/good.conf" "$work/probe/good"
if ! why=$(firehol_accepted "$work/probe/good.conf" "$work/probe/good"); then
	show_output "$work/probe/good"
	die "FireHOL does not accept a trivial config here ($why)"
fi
if [ "$RESTORE_CHECK" = 1 ] && [ -s "$work/probe/good/restore" ]; then
	echo "firehol-oracle: NOTICE: iptables-legacy-restore --test does not work on this kernel;" \
		"skipping the restore check (FireHOL acceptance is still checked)" >&2
	RESTORE_CHECK=0
fi
printf 'version 6\ninterface lo loopback\n    server ssh accept\n    server http accept sprt 80\n' >"$work/probe/bad.conf"
run_one "$work/probe/bad.conf" "$work/probe/bad"
if firehol_accepted "$work/probe/bad.conf" "$work/probe/bad" >/dev/null; then
	show_output "$work/probe/bad"
	die "self-test failed: a broken config (unknown parameter) was not detected"
fi
printf 'version 6\ninterface lo loopback\n    sever ssh accept\n    server http accept\n' >"$work/probe/typo.conf"
run_one "$work/probe/typo.conf" "$work/probe/typo"
if firehol_accepted "$work/probe/typo.conf" "$work/probe/typo" >/dev/null; then
	show_output "$work/probe/typo"
	die "self-test failed: a mistyped command in the middle of a config was not detected"
fi
if [ "$RESTORE_CHECK" = 1 ]; then
	printf 'version 6\ninterface lo loopback\n    server ssh NO_SUCH_ACTION\n' >"$work/probe/bad2.conf"
	run_one "$work/probe/bad2.conf" "$work/probe/bad2"
	if ! firehol_accepted "$work/probe/bad2.conf" "$work/probe/bad2" >/dev/null || [ ! -s "$work/probe/bad2/restore" ]; then
		show_output "$work/probe/bad2"
		die "self-test failed: an undefined action was not detected by the restore check"
	fi
fi

# ---------------------------------------------------------------------------------------------

pass=0
fail=0
failed=()

if [ $# -gt 0 ]; then
	accept_list=("$@")
	reject_list=()
else
	shopt -s nullglob
	accept_list=("$corpus"/valid/*.conf "$corpus"/fhc-errors/*.conf)
	reject_list=()
	for f in "$corpus"/invalid/*.conf; do
		grep -q '^# oracle: firehol-rejects' "$f" && reject_list+=("$f")
	done
	shopt -u nullglob
	[ ${#accept_list[@]} -gt 0 ] || die "no configs under $corpus/valid"
fi

n=0
for conf in "${accept_list[@]}"; do
	n=$((n + 1))
	conf=$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")
	rel=${conf#"$here"/}
	out="$work/run/$n"
	run_one "$conf" "$out"
	if ! why=$(firehol_accepted "$conf" "$out"); then
		printf 'FAIL  %s: %s\n' "$rel" "$why"
		[ $verbose = 1 ] && show_output "$out"
		fail=$((fail + 1))
		failed+=("$rel")
	elif [ "$RESTORE_CHECK" = 1 ] && [ -s "$out/restore" ]; then
		printf 'FAIL  %s: FireHOL accepted it, but its %s rules do not load (iptables-legacy-restore --test)\n' \
			"$rel" "$(tr '\n' ' ' <"$out/restore" | sed 's/ $//; s/ /+/')"
		[ $verbose = 1 ] && show_output "$out"
		fail=$((fail + 1))
		failed+=("$rel")
	else
		rules=$(grep -cE '^-[AIN] ' "$out/stdout")
		[ -n "${FHC_ORACLE_KEEP:-}" ] && cp "$out/stdout" "$FHC_ORACLE_KEEP/$(basename "$conf").stdout"
		warns=$(grep -cE '^ *WARNING( |$)' "$out/stderr")
		printf 'PASS  %s (%s rule lines%s%s)\n' "$rel" "$rules" \
			"$([ "$RESTORE_CHECK" = 1 ] && echo ', restore --test ok')" \
			"$([ "$warns" -gt 0 ] && echo ", $warns FireHOL warnings")"
		[ $verbose = 1 ] && [ "$warns" -gt 0 ] && show_output "$out"
		pass=$((pass + 1))
	fi
done

for conf in "${reject_list[@]}"; do
	n=$((n + 1))
	rel=${conf#"$here"/}
	out="$work/run/$n"
	run_one "$conf" "$out"
	if why=$(firehol_accepted "$conf" "$out"); then
		printf 'FAIL  %s: expected FireHOL to reject it, but it was accepted\n' "$rel"
		fail=$((fail + 1))
		failed+=("$rel")
	else
		printf 'PASS  %s (rejected by FireHOL as expected: %s)\n' "$rel" "$why"
		pass=$((pass + 1))
	fi
done

echo "$pass passed, $fail failed"
if [ $fail -gt 0 ]; then
	printf '  failed: %s\n' "${failed[@]}"
	[ $verbose = 1 ] || echo "  (rerun with -v to see FireHOL's output)"
	exit 1
fi
exit 0
