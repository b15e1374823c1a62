#!/usr/bin/env bash
# Install the Debian packages a make target needs when they are missing; do nothing when present.
#   usage: tools/system_deps.sh NEED...   (NEED: chromium, npm, make)
#     chromium  Debian's /usr/bin/chromium, used by the browser tests (never `playwright install`);
#               MSIM_CHROMIUM=/path picks another browser, which is then only checked
#     npm       Debian's nodejs + npm: `npm pack` fills Solara's offline browser assets
#     make      make itself (.ci/run needs it before it can run `make test`)
# apt-get runs as root, or through `sudo -n` when sudo needs no password; otherwise this prints
# the one command to run and exits 1, so nothing starts without what it needs.
set -euo pipefail

packages=()
why=()
for need in "$@"; do
    case "$need" in
        chromium)
            exe=${MSIM_CHROMIUM:-/usr/bin/chromium}
            if [ ! -x "$exe" ]; then
                if [ "$exe" != /usr/bin/chromium ]; then
                    echo "error: MSIM_CHROMIUM=$exe is not an executable browser" >&2
                    echo "  (unset MSIM_CHROMIUM to use Debian's /usr/bin/chromium)" >&2
                    exit 1
                fi
                packages+=(chromium)
                why+=("chromium (Debian's build, for the browser tests)")
            fi
            ;;
        npm)
            if ! command -v npm >/dev/null 2>&1; then
                packages+=(nodejs npm)
                why+=("npm (packs Solara's offline browser assets)")
            fi
            ;;
        make)
            if ! command -v make >/dev/null 2>&1; then
                packages+=(make)
                why+=("make")
            fi
            ;;
        *)
            echo "tools/system_deps.sh: unknown need '$need' (known: chromium, npm, make)" >&2
            exit 2
            ;;
    esac
done
[ ${#packages[@]} -eq 0 ] && exit 0

what=$(printf '%s, ' "${why[@]}")
what=${what%, }
wanted="apt-get install -y ${packages[*]}"

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: missing: $what." >&2
    echo "  This is not a Debian-like system (no apt-get): install the Debian packages" >&2
    echo "  '${packages[*]}' or their equivalents yourself, then run make again." >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=(env)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n env)
else
    if command -v sudo >/dev/null 2>&1; then
        cmd="sudo apt-get update && sudo $wanted"
    else
        cmd="su -c 'apt-get update && $wanted'"
    fi
    {
        echo "error: missing: $what."
        echo "  Installing that needs root (and sudo asks for a password, or is absent). Run:"
        echo ""
        echo "    $cmd"
        echo ""
        echo "  then run make again."
    } >&2
    exit 1
fi

echo "system_deps: missing $what; installing ${packages[*]} with apt-get"
apt=("${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
"${apt[@]}" update
"${apt[@]}" install -y "${packages[@]}"

# say so now if the packages did not bring what was missing
still=()
for need in "$@"; do
    case "$need" in
        chromium) [ -x "${MSIM_CHROMIUM:-/usr/bin/chromium}" ] || still+=(/usr/bin/chromium) ;;
        npm) command -v npm >/dev/null 2>&1 || still+=(npm) ;;
        make) command -v make >/dev/null 2>&1 || still+=(make) ;;
    esac
done
if [ ${#still[@]} -gt 0 ]; then
    echo "error: apt-get installed ${packages[*]}, but ${still[*]} is still missing" >&2
    exit 1
fi
