#!/usr/bin/env bash
# tests/deb/run.sh - the Debian package, end to end, on this machine.
#
#   0. Build it (scripts/build-deb.sh, unless a .deb is given) and run lintian: no errors
#      (E:); the warnings and notes are printed.
#   A. With FireHOL installed (as in CI): what a FireHOL user relies on. firehol.conf is edited,
#      then fhc is installed (dpkg's default answer at the conffile prompt): the edited file
#      stays, fhc's sample lands next to it as firehol.conf.dpkg-dist; purging fhc gives the
#      edited file back to FireHOL.
#   B. dpkg -i, then: every packaged file is in place, fhc --version works from PATH, man fhc
#      renders (and every fhc-*(1) page), the bash completion completes `fhc co` to compile,
#      fhc check is silent on the installed sample, whose compiled ruleset loads with
#      nft -j -f - in a throwaway network namespace; the unit, if packaged, is not enabled.
#      dpkg -r removes everything but the conffile; dpkg -P leaves nothing of fhc (the
#      conffile is put back when FireHOL is installed, since FireHOL reads it).
#
# The machine is left as found: /etc/firehol/firehol.conf is restored at exit. (After the test
# FireHOL no longer owns that file in dpkg's database until firehol is upgraded or reinstalled;
# see dist/README.Debian. Reinstalling it here would restart FireHOL on the host.)
#
# Needs root: it installs and removes a package. Without root it skips loudly, unless CI is set,
# in which case it fails. Refuses to run when an fhc package is already installed.
#
# Usage: tests/deb/run.sh [FHC.deb]
set -euo pipefail
export LC_ALL=C.UTF-8

repo=$(cd "$(dirname "$0")/../.." && pwd)
conf=/etc/firehol/firehol.conf
sample="$repo/dist/firehol.conf"

say() { echo "deb-test: $*"; }
ok() { echo "ok    $*"; }
fail() {
    echo "FAIL  $*" >&2
    exit 1
}

if [ "$(id -u)" -ne 0 ]; then
    [ -z "${CI:-}" ] || fail "tests/deb/run.sh needs root, and CI is set: refusing to skip"
    cat >&2 <<'EOF'

==================================================================
SKIPPED: tests/deb/run.sh: needs root (it installs the package)
  It did NOT run. It runs (and never skips) when CI is set;
  locally: sudo tests/deb/run.sh
==================================================================

EOF
    exit 0
fi

for tool in dpkg dpkg-deb lintian man ip nft bash cmp; do
    command -v "$tool" >/dev/null 2>&1 || fail "missing $tool (apt-get install lintian man-db iproute2 nftables)"
done
status_of() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true; }
case "$(status_of fhc)" in
"" | not-installed) ;;
*) fail "an fhc package is already on this machine ($(status_of fhc)); the test installs and purges its own: remove it first (dpkg -P fhc)" ;;
esac
firehol_present() { case "$(status_of firehol)" in "" | not-installed) return 1 ;; esac }

work=$(mktemp -d /tmp/fhc-deb-test.XXXXXX)
ns="fhc-deb-test-$$"
had_conf=0
if [ -e "$conf" ]; then
    cp -p "$conf" "$work/firehol.conf.orig"
    had_conf=1
fi
cleanup() {
    ip netns del "$ns" 2>/dev/null || true
    case "$(status_of fhc)" in
    "" | not-installed) ;;
    *) dpkg -P fhc >/dev/null 2>&1 </dev/null || echo "deb-test: WARNING: could not purge fhc" >&2 ;;
    esac
    if [ "$had_conf" = 1 ]; then
        mkdir -p "$(dirname "$conf")"
        cp -p "$work/firehol.conf.orig" "$conf"
    fi
    rm -f "$conf".dpkg-dist "$conf".dpkg-old "$conf".dpkg-new
    rm -rf "$work"
}
trap cleanup EXIT

# dpkg, waiting for the lock while another package manager runs (CI machines run apt too).
dpkg_() {
    local out _
    for _ in $(seq 1 90); do
        if out=$(dpkg "$@" </dev/null 2>&1); then
            printf '%s\n' "$out" | sed 's/^/    /'
            return 0
        fi
        case "$out" in
        *"dpkg frontend lock"* | *"dpkg status database is locked"*) sleep 2 ;;
        *)
            printf '%s\n' "$out" | sed 's/^/    /' >&2
            return 1
            ;;
        esac
    done
    fail "dpkg stayed locked for 3 minutes"
}

# --- 0. build and lint ------------------------------------------------------------------------
if [ $# -ge 1 ]; then
    deb=$(realpath "$1")
else
    say "building the package (scripts/build-deb.sh)"
    deb=$("$repo/scripts/build-deb.sh" | tail -n 1)
fi
[ -f "$deb" ] || fail "no package at '$deb'"
deb_version=$(dpkg-deb -f "$deb" Version)
say "package $deb ($deb_version)"

lintian_out=$(lintian --display-info --pedantic "$deb" 2>&1 | grep -v '^running with root privileges' || true)
printf '%s\n' "$lintian_out" | sed 's/^/    lintian: /'
if printf '%s\n' "$lintian_out" | grep -q '^E: '; then
    fail "lintian reports errors"
fi
ok "lintian: no errors ($(printf '%s\n' "$lintian_out" | grep -c '^W: ' || true) warnings)"

# Files dpkg would not unpack because of path-exclude (minimal container images drop manual
# pages and docs): include them again for this package, or the checks below cannot run.
dpkg_opts=()
mapfile -t excludes < <(cat /etc/dpkg/dpkg.cfg /etc/dpkg/dpkg.cfg.d/* 2>/dev/null |
    sed -n 's/^[[:space:]]*path-exclude[[:space:]=]\{1,\}//p')
mapfile -t packaged < <(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -n 's|^\./\(.*[^/]\)$|/\1|p')
for f in "${packaged[@]}"; do
    for glob in "${excludes[@]}"; do
        # shellcheck disable=SC2053 # the right side is a glob on purpose
        if [[ $f == $glob ]]; then
            dpkg_opts+=("--path-include=$f")
            break
        fi
    done
done
[ ${#dpkg_opts[@]} -eq 0 ] || say "dpkg excludes ${#dpkg_opts[@]} packaged paths here; installing with --path-include for them"

# --- A. a FireHOL user's edited firehol.conf --------------------------------------------------
if firehol_present && [ -f "$conf" ]; then
    printf '\n# edited by tests/deb/run.sh\n' >>"$conf"
    cp -p "$conf" "$work/edited"
    say "A. install over FireHOL's edited $conf (dpkg's default answer)"
    dpkg_ -i --force-confdef "${dpkg_opts[@]}" "$deb"
    cmp -s "$conf" "$work/edited" || fail "A: installing fhc changed the edited $conf"
    cmp -s "$conf.dpkg-dist" "$sample" || fail "A: fhc's sample is not next to it as $conf.dpkg-dist"
    [ "$(dpkg-query -S "$conf" 2>/dev/null)" = "fhc: $conf" ] || fail "A: fhc does not own $conf"
    ok "A: the edited $conf is kept on install; the sample is $conf.dpkg-dist"
    dpkg_ -P fhc
    cmp -s "$conf" "$work/edited" || fail "A: purging fhc did not leave FireHOL its edited $conf"
    [ ! -e "$conf.dpkg-dist" ] || fail "A: $conf.dpkg-dist is left after purge"
    [ ! -e /var/lib/fhc ] || fail "A: /var/lib/fhc is left after purge"
    ok "A: purging fhc leaves FireHOL its edited $conf"
else
    say "A. skipped: FireHOL is not installed here (CI installs it)"
fi

# --- B. install, use, remove, purge -----------------------------------------------------------
say "B. dpkg -i"
# --force-confnew: wherever this machine's firehol.conf came from, the checks need the sample
# (the original is restored at exit).
dpkg_ -i --force-confnew "${dpkg_opts[@]}" "$deb"
[ "$(status_of fhc)" = installed ] || fail "fhc is not installed: $(status_of fhc)"

mapfile -t installed < <(dpkg-query -L fhc | while read -r p; do [ -d "$p" ] || echo "$p"; done)
for f in "${packaged[@]}"; do
    [ -e "$f" ] || fail "packaged file missing after install: $f"
done
[ "${#installed[@]}" -eq "${#packaged[@]}" ] ||
    fail "dpkg lists ${#installed[@]} files, the package has ${#packaged[@]}"
ok "all ${#packaged[@]} packaged files are installed"

[ "$(dpkg-query -W -f='${Conffiles}' fhc | awk 'NF {print $1}')" = "$conf" ] ||
    fail "the conffiles are not exactly $conf: $(dpkg-query -W -f='${Conffiles}' fhc)"
cmp -s "$conf" "$sample" || fail "$conf is not the sample"
ok "$conf is the sample, and fhc's only conffile"

# Where a fresh login shell finds fhc (this shell's own lookups are cached).
on_path() { env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c 'command -v fhc' || true; }
path_fhc=$(on_path)
[ "$path_fhc" = /usr/bin/fhc ] || fail "fhc on PATH is '$path_fhc', not /usr/bin/fhc"
version_line=$(fhc --version)
case "$version_line" in
"fhc ${deb_version%-*} (nftables JSON schema "[0-9]*", for nft >= "*")") ;;
*) fail "fhc --version says '$version_line'" ;;
esac
ok "fhc --version: $version_line"

[ "$(man -w fhc)" = /usr/share/man/man1/fhc.1.gz ] || fail "man -w fhc: $(man -w fhc 2>&1)"
for page in /usr/share/man/man1/fhc.1.gz /usr/share/man/man1/fhc-*.1.gz; do
    name=$(basename "$page" .1.gz)
    rendered=$(MANWIDTH=80 man -P cat "$name" 2>"$work/man.err") || fail "man $name: $(cat "$work/man.err")"
    grep -q "^NAME" <<<"$rendered" || fail "man $name has no NAME section:\n$rendered"
    warnings=$(MANWIDTH=80 man --warnings -P cat "$name" 2>&1 >/dev/null || true)
    [ -z "$warnings" ] || fail "man $name: groff warnings: $warnings"
done
rendered=$(MANWIDTH=80 man -P cat fhc)
for needle in SYNOPSIS EXAMPLES FILES /etc/firehol/firehol.conf "SEE ALSO"; do
    grep -qF -- "$needle" <<<"$rendered" || fail "man fhc does not mention $needle"
done
ok "man fhc renders (and $(find /usr/share/man/man1 -name 'fhc-*.1.gz' | wc -l) fhc-*(1) pages), no groff warnings"

replies=$(bash --norc --noprofile -c '
    source /usr/share/bash-completion/completions/fhc
    func=$(complete -p fhc | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
    COMP_WORDS=(fhc co); COMP_CWORD=1; COMP_LINE="fhc co"; COMP_POINT=${#COMP_LINE}
    "$func" fhc co fhc
    printf "%s\n" "${COMPREPLY[@]}"')
grep -qx compile <<<"$replies" || fail "bash completion of 'fhc co' gives: $replies"
ok "bash completion: fhc co -> $(tr '\n' ' ' <<<"$replies")"
for sh in zsh fish; do
    file=$([ $sh = zsh ] && echo /usr/share/zsh/vendor-completions/_fhc || echo /usr/share/fish/vendor_completions.d/fhc.fish)
    if command -v $sh >/dev/null 2>&1; then
        $sh -n "$file" || fail "$sh cannot parse $file"
        ok "$sh parses $file"
    else
        say "$sh is not installed: $file is only checked to exist"
    fi
done

check_out=$(fhc check 2>&1) || fail "fhc check on the installed sample: $check_out"
[ -z "$check_out" ] || fail "fhc check has something to say about the sample: $check_out"
ip netns add "$ns"
fhc compile >"$work/ruleset.json" || fail "fhc compile failed on the installed sample"
ip netns exec "$ns" nft -j -f - <"$work/ruleset.json" || fail "nft refused the compiled sample"
ip netns exec "$ns" nft list table inet firehol >/dev/null || fail "no inet firehol table after loading"
ip netns del "$ns"
ok "fhc check is silent on $conf; its ruleset loads with nft -j -f - in a network namespace"

if [ -e /lib/systemd/system/fhc.service ]; then
    for wants in /etc/systemd/system/*.wants/fhc.service; do
        [ ! -e "$wants" ] || fail "installing enabled fhc.service ($wants)"
    done
    ok "fhc.service is installed and not enabled"
    for unit in 'fhc-set-load@.service' 'fhc-set-load@.timer'; do
        [ -e "/lib/systemd/system/$unit" ] || fail "$unit is not installed"
    done
    ok "fhc-set-load@.service and its timer are installed"
fi

say "B. dpkg -r fhc"
dpkg_ -r fhc
[ "$(status_of fhc)" = config-files ] || fail "after dpkg -r fhc is '$(status_of fhc)', not config-files"
for f in "${installed[@]}"; do
    if [ "$f" = "$conf" ]; then
        cmp -s "$f" "$sample" || fail "dpkg -r changed or removed the conffile $f"
    elif [ -e "$f" ] || [ -L "$f" ]; then
        fail "dpkg -r left $f"
    fi
done
[ -z "$(on_path)" ] || fail "fhc is still on PATH after dpkg -r: $(on_path)"
[ ! -e /usr/share/doc/fhc ] || fail "dpkg -r left /usr/share/doc/fhc"
ok "dpkg -r removed all ${#installed[@]} files but the conffile $conf"

say "B. dpkg -P fhc"
dpkg_ -P fhc
case "$(status_of fhc)" in "" | not-installed) ;; *) fail "after dpkg -P fhc is '$(status_of fhc)'" ;; esac
for f in "${installed[@]}"; do
    [ "$f" = "$conf" ] && continue
    [ ! -e "$f" ] || fail "dpkg -P left $f"
done
[ ! -e /var/lib/fhc ] || fail "dpkg -P left /var/lib/fhc"
if firehol_present; then
    cmp -s "$conf" "$sample" || fail "dpkg -P did not leave FireHOL its $conf"
    ok "dpkg -P removed fhc and put $conf back for FireHOL"
else
    [ ! -e "$conf" ] || fail "dpkg -P left $conf (FireHOL is not installed)"
    ok "dpkg -P removed fhc and its conffile"
fi

say "passed"
