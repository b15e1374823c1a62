#!/usr/bin/env bash
# Print the absolute path of a Python >= 3.12 interpreter, or explain what to install and fail.
# Order: $PYTHON, python3.13, python3.12, python3, pyenv installs (also through the shims with
# PYENV_VERSION set, since pyenv's python3.12 shim only answers for an active version).
set -u

MIN_MINOR=12

ok() {  # ok CMD... : prints sys.executable when CMD is Python >= 3.MIN_MINOR
    "$@" -c "import sys; sys.exit(0 if sys.version_info >= (3, $MIN_MINOR) else 1)" >/dev/null 2>&1 \
        && "$@" -c "import sys; print(sys.executable)" 2>/dev/null
}

try() {
    local exe
    if exe=$(ok "$@") && [ -n "$exe" ] && [ -x "$exe" ]; then
        echo "$exe"
        exit 0
    fi
}

[ -n "${PYTHON:-}" ] && try "$PYTHON"
for name in python3.14 python3.13 python3.12 python3; do
    command -v "$name" >/dev/null 2>&1 && try "$name"
done

pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
for root in "$pyenv_root" /root/.pyenv /usr/local/pyenv; do
    for exe in "$root"/versions/3.1[2-9]*/bin/python3.1[2-9] "$root"/versions/3.1[2-9]*/bin/python3; do
        [ -x "$exe" ] && try "$exe"
    done
done
for exe in /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9] /opt/python*/bin/python3.1[2-9]; do
    [ -x "$exe" ] && try "$exe"
done

if command -v pyenv >/dev/null 2>&1; then
    for v in $(pyenv versions --bare 2>/dev/null | sort -rV); do
        case "$v" in
            3.1[2-9]*) PYENV_VERSION="$v" try pyenv exec python3 ;;
        esac
    done
fi

{
    echo "error: Python 3.$MIN_MINOR+ is needed to create .venv, and none was found"
    echo "  (tried \$PYTHON, python3.14, python3.13, python3.12, python3, pyenv versions)."
    echo "  Install one, for example:  pyenv install 3.12   or   apt-get install python3.12 python3.12-venv"
    echo "  or point to one:           make PYTHON=/path/to/python3.12 ..."
} >&2
exit 1
