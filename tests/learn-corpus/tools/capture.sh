#!/usr/bin/env bash
# capture.sh NAME HOME PROJECT -- CMD...
# Runs CMD inside srt 0.0.83 (--debug) under the project's .srt.json, with strace -f inside
# the sandbox (as the research helpers did), and writes /work/scratch/h16/cap/NAME.{out,err,trace,json}.
# Extra environment for the command: export it before calling (it passes through env -i via ENVS).
set -u
name=$1 home=$2 proj=$3; shift 4
SRT=/root/.cache/srt-gen-ci/srt-0.0.83/node_modules/.bin/srt
cap=/work/scratch/h16/cap
mkdir -p "$cap" "$proj/.srt-gen/tmp"
rm -f "$proj/.srt-gen/tmp/trace.txt"
cd "$proj"
env -i HOME="$home" PATH=/usr/bin:/bin CLAUDE_CODE_TMPDIR="$proj/.srt-gen/tmp" ${ENVS:-} \
  "$SRT" --debug --settings .srt.json -- strace -f -qq -o "$proj/.srt-gen/tmp/trace.txt" \
  -e trace=%file,rename,renameat,renameat2,mkdir,link,symlink,chdir -- "$@" \
  >"$cap/$name.out" 2>"$cap/$name.err"
echo $? > "$cap/$name.rc"
grep -E '= -1 (EROFS|EACCES|EPERM|EXDEV)|chdir\(' "$proj/.srt-gen/tmp/trace.txt" > "$cap/$name.trace" || true
cp .srt.json "$cap/$name.policy.json"
echo "rc=$(cat "$cap/$name.rc")"
