#!/usr/bin/env bash
# Builds the browser calculator: libstackplan and its command line compiled to WebAssembly with
# Debian's emscripten, over jansson and libyaml built for wasm from their Debian sources; the
# catalogs under data/ embedded. The launch command (files on disk, nettle's SHA-256) stays out.
# usage: web/build.sh SOURCE_ROOT OUT_DIR   (scripts/install-deps.sh --web installs what it needs)
set -euo pipefail
root=$(cd "$1" && pwd)
out=$2
work="$root/build-web"
src="$work/src" deps="$work/deps"
mkdir -p "$src" "$deps" "$out"
# Debian's emscripten finds its JavaScript tools (acorn) under /usr/share/nodejs; a Node.js from
# elsewhere (NodeSource) does not look there.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
command -v emcc >/dev/null || { echo "web/build.sh: emcc is not installed (scripts/install-deps.sh --web)" >&2; exit 2; }

# jansson and libyaml, the versions the native build links (Debian's source packages).
fetch() { # PACKAGE VERSION DIR
  [ -d "$src/$3" ] && return 0
  (cd "$src" && apt-get source -qq "$1=$2" >/dev/null 2>&1) ||
    { echo "web/build.sh: cannot fetch the $1 $2 source package (scripts/install-deps.sh --web adds deb-src)" >&2; exit 2; }
}
fetch jansson 2.14-2 jansson-2.14
fetch libyaml 0.2.5-1 libyaml-0.2.5
if [ ! -f "$deps/lib/libjansson.a" ]; then
  emcmake cmake -S "$src/jansson-2.14" -B "$work/jansson" -DJANSSON_BUILD_DOCS=OFF -DJANSSON_WITHOUT_TESTS=ON \
    -DJANSSON_EXAMPLES=OFF -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$deps" >/dev/null
  cmake --build "$work/jansson" -j "$(nproc)" >/dev/null && cmake --install "$work/jansson" >/dev/null
fi
if [ ! -f "$deps/lib/libyaml.a" ]; then
  emcmake cmake -S "$src/libyaml-0.2.5" -B "$work/yaml" -DBUILD_TESTING=OFF -DBUILD_SHARED_LIBS=OFF \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$deps" >/dev/null
  cmake --build "$work/yaml" -j "$(nproc)" >/dev/null && cmake --install "$work/yaml" >/dev/null
fi

# The library's layers except launch/, load/hash.c and the launch command (the page calls sp_request);
# of launch/, only what `train`, `finetune`, `serve` and `data --format profile` write with (libyaml's
# emitter, no files).
sources=()
for layer in common load estimate search plan report api; do
  for f in "$root/src/lib/$layer"/*.c; do
    case "$(basename "$f")" in hash.c | cmd_launch.c) ;; *) sources+=("$f") ;; esac
  done
done
sources+=("$root/src/lib/launch/yaml_emit.c" "$root/src/lib/launch/train_profile.c" "$root/src/lib/launch/ft_profile.c"
  "$root/src/lib/launch/serve_profile.c" "$root/src/lib/launch/data_profile.c")
includes=()
for layer in common load estimate search plan report launch api; do includes+=(-I "$root/src/lib/$layer"); done
# Objects in parallel (emcc is slow to start), then one link; objects of sources that moved or
# went away are dropped first.
mkdir -p "$work/obj"
objname() { echo "$1" | sed "s|.*/src/||; s|/|_|g"; }
for o in "$work"/obj/*.o; do
  [ -e "$o" ] || continue
  keep=false
  for f in "${sources[@]}"; do [ "$(basename "$o")" = "$(objname "$f").o" ] && keep=true && break; done
  $keep || rm -f "$o"
done
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c \
  'o="$0/obj/$(echo "{}" | sed "s|.*/src/||; s|/|_|g").o"; [ "$o" -nt "{}" ] && [ "$o" -nt "$1" ] || emcc -O2 -std=c17 $2 -c "{}" -o "$o"' \
  "$work" "$root/include/stackplan.h" \
  "-I$root/include ${includes[*]} -I$deps/include -D_POSIX_C_SOURCE=200809L -DSP_NO_LAUNCH -DSP_DATA_DIR=\"/data\""
emcc -O2 "$work"/obj/*.o "$deps/lib/libjansson.a" "$deps/lib/libyaml.a" -o "$out/stackplan.js" \
  --no-entry -sMODULARIZE=1 -sEXPORT_NAME=createStackplan -sEXIT_RUNTIME=0 -sALLOW_MEMORY_GROWTH=1 \
  -sEXPORTED_FUNCTIONS=_sp_request,_sp_free,_malloc,_free \
  -sEXPORTED_RUNTIME_METHODS=FS,ccall,getValue,UTF8ToString -sENVIRONMENT=web \
  --embed-file "$root/data@/data"
cp "$root/web/index.html" "$root/web/app.js" "$out/"
echo "web/build.sh: $out (stackplan.wasm $(stat -c %s "$out/stackplan.wasm") bytes, stackplan.js $(stat -c %s "$out/stackplan.js") bytes)"
