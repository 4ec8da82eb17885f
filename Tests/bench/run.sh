#!/usr/bin/env bash
# Launch cost (run.py), then policy size and live publication (scale.py).
set -e
here=$(dirname "$0")
python3 "$here/run.py" "$@"
echo
python3 "$here/scale.py"
