# Sourced by ./run and .ci/run: puts Node.js 24 first on PATH.
# The machines' default Node (20) is end-of-life; Node 24 comes from the npm registry as the
# node-<os>-<arch> package (the binary plus its headers, which native modules build against),
# cached under ~/.cache/candlestream so it is fetched once per machine.
if ! node --version 2>/dev/null | grep -q '^v24\.'; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) platform=linux-x64 ;;
    Linux-aarch64) platform=linux-arm64 ;;
    Darwin-arm64) platform=darwin-arm64 ;;
    Darwin-x86_64) platform=darwin-x64 ;;
    *) echo "candlestream: no Node 24 package for $(uname -s)-$(uname -m); install Node 24 yourself" >&2; return 1 ;;
  esac
  toolchain="${CANDLESTREAM_TOOLCHAIN:-$HOME/.cache/candlestream/node24}"
  nodedir="$toolchain/node_modules/node-$platform"
  if [ ! -x "$nodedir/bin/node" ]; then
    echo "candlestream: installing Node 24 (node-$platform) into $toolchain" >&2
    mkdir -p "$toolchain"
    npm install --silent --no-save --prefix "$toolchain" "node-$platform@24" >&2
  fi
  export PATH="$nodedir/bin:$PATH"
  export npm_config_nodedir="$nodedir"
fi
