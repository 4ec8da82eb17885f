#!/usr/bin/env bash
# `make test`: the unit tests of the core (hosted build of the same
# sources), then the integration tests of the real build/liblwcr.so.
set -u
cd "$(dirname "$0")/.."
status=0
echo "== unit tests (swift test)"
if swift build --build-tests > build/unit-build.log 2>&1; then
    swift test --skip-build 2>&1 | tee build/unit.log | grep -E "error:|failed|Executed .* tests" | tail -5
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
else
    cat build/unit-build.log; status=1
fi
unit_line=$(grep -E "Executed [0-9]+ tests" build/unit.log 2>/dev/null | tail -1)
unit_total=$(echo "$unit_line" | sed -n 's/.*Executed \([0-9]*\) tests.*/\1/p')
unit_failed=$(echo "$unit_line" | sed -n 's/.*with \([0-9]*\) failures.*/\1/p')
unit_skipped=$(grep -c "skipped" build/unit.log 2>/dev/null || true)
echo "== integration tests (build/liblwcr.so in real programs)"
bash Tests/integration/run.sh | tee build/integration.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
it=$(tail -1 build/integration.log)
it_passed=$(echo "$it" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
it_failed=$(echo "$it" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
it_skipped=$(echo "$it" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
unit_total=${unit_total:-0} unit_failed=${unit_failed:-1} it_passed=${it_passed:-0} it_failed=${it_failed:-1} it_skipped=${it_skipped:-0}
unit_passed=$((unit_total - unit_failed - unit_skipped))
echo "total: $((unit_passed + it_passed)) passed, $((unit_failed + it_failed)) failed, $((unit_skipped + it_skipped)) skipped"
exit $status
