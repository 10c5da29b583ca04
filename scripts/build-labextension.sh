#!/usr/bin/env bash
# Build the JupyterLab extension (labextension/ → jupyter_privacy/labextension) and, for an editable
# install, link it and enable the server extension in the venv — what `pip install .` does for a wheel.
# Offline after the first run: jlpm installs from its cache and is skipped when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
BIN="$VENV/bin"
export PATH="$PWD/$BIN:$PATH"   # jlpm and `jupyter labextension build` from the venv's JupyterLab

cd labextension
if [ ! -f node_modules/.yarn-state.yml ] || [ package.json -nt node_modules/.yarn-state.yml ] \
   || [ yarn.lock -nt node_modules/.yarn-state.yml ]; then
  jlpm install
fi
jlpm build:prod
cd ..

# An editable install points at this tree: link the built extension and the server config into the
# venv (a wheel install ships them as shared-data instead).
pkg_dir=$("$BIN/python" -c 'import jupyter_privacy, os; print(os.path.dirname(jupyter_privacy.__file__))')
if [ "$pkg_dir" = "$PWD/jupyter_privacy" ]; then
  prefix=$("$BIN/python" -c 'import sys; print(sys.prefix)')
  mkdir -p "$prefix/share/jupyter/labextensions"
  rm -rf "$prefix/share/jupyter/labextensions/jupyter-privacy"
  ln -s "$PWD/jupyter_privacy/labextension" "$prefix/share/jupyter/labextensions/jupyter-privacy"
  mkdir -p "$prefix/etc/jupyter/jupyter_server_config.d"
  cp jupyter-config/server-config/jupyter_privacy.json "$prefix/etc/jupyter/jupyter_server_config.d/"
fi
"$BIN/jupyter" labextension list 2>&1 | grep -q "jupyter-privacy.*OK" \
  || { echo "jupyter-privacy labextension is not installed OK" >&2; exit 1; }
