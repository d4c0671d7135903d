#!/bin/sh
# Make sure the real components the tests and the demo use are installed:
# Prometheus (+ promtool) and nginx. On Debian/Ubuntu as root we install them
# with apt-get; anywhere else we say exactly what is missing and stop.
set -eu

missing=""
command -v prometheus >/dev/null 2>&1 || [ -x /usr/bin/prometheus ] || missing="$missing prometheus"
command -v promtool >/dev/null 2>&1 || [ -x /usr/bin/promtool ] || missing="$missing prometheus"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v kubectl >/dev/null 2>&1 || echo "note: kubectl not found; tests that drive the real kubectl will fail" >&2

if [ -z "$missing" ]; then
    exit 0
fi
pkgs=$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages:$missing"
    # NB: a policy-rc.d that refuses service starts, so installing nginx and
    # prometheus does not leave daemons running on ports 80 and 9090.
    policy=/usr/sbin/policy-rc.d
    created=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    if ! apt-get install -y -q --no-install-recommends $pkgs >/tmp/rollout-engine-apt.log 2>&1; then
        apt-get update -q >>/tmp/rollout-engine-apt.log 2>&1
        # shellcheck disable=SC2086
        apt-get install -y -q --no-install-recommends $pkgs >>/tmp/rollout-engine-apt.log 2>&1 || {
            [ -n "$created" ] && rm -f "$policy"
            echo "apt-get install failed; see /tmp/rollout-engine-apt.log" >&2
            exit 1
        }
    fi
    [ -n "$created" ] && rm -f "$policy"
    exit 0
fi

echo "missing system packages:$missing" >&2
echo "install them, then re-run:" >&2
echo "  Debian/Ubuntu: sudo apt-get install prometheus nginx-light" >&2
echo "  Fedora:        sudo dnf install golang-github-prometheus nginx" >&2
echo "  macOS:         brew install prometheus nginx" >&2
exit 1
