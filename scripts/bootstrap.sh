# Sourced by scripts/demo and scripts/test: make .venv with Python 3.11+ and
# install the project into it. EXTRAS selects optional dependencies.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "exchange needs Python 3.11 or newer; install it (apt-get install python3)" >&2
    return 1
}

if [ ! -x "$venv/bin/python" ]; then
    python=$(find_python)
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        rm -rf "$venv"
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$version-venv" ||
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
            "$python" -m venv "$venv"
        else
            echo "python -m venv failed; install the venv module (apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
fi

stamp="$venv/.installed-${EXTRAS:-base}"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    if [ -n "${EXTRAS:-}" ]; then
        "$venv/bin/python" -m pip install --quiet -e "$root[$EXTRAS]"
    else
        "$venv/bin/python" -m pip install --quiet -e "$root"
    fi
    touch "$stamp"
fi
