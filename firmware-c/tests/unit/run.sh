#!/bin/sh
# Runs every native unit-test binary and totals their "N passed, N failed" lines.
total_pass=0; total_fail=0; broken=""
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
  if [ -z "$line" ] || [ $rc -ne 0 ]; then printf '%s\n' "$out"; fi
  if [ -z "$line" ]; then broken="$broken $(basename "$t")"; total_fail=$((total_fail + 1)); continue; fi
  p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
  echo "$(basename "$t"): $line"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  [ $rc -ne 0 ] && [ "$f" = 0 ] && total_fail=$((total_fail + 1)) && broken="$broken $(basename "$t")"
done
[ -n "$broken" ] && echo "crashed or no summary:$broken"
echo "C unit tests: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
