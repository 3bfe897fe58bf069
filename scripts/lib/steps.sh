# Sourced by the test runners that count shell steps as tests.
# step NAME COMMAND...: runs COMMAND as one counted check, adding to the
# caller's `passed` / `failed` totals; returns COMMAND's success.
step() {
  local name=$1
  shift
  echo "--- $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "FAILED: $name"
    failed=$((failed + 1))
    return 1
  fi
}
