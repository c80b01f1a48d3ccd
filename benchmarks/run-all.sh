#!/usr/bin/env bash
# Runs the project's benchmarks from one command, one after the other (never in parallel: they share 2 cores).
#   benchmarks/run-all.sh            everything (about 25 minutes)
#   benchmarks/run-all.sh jmh        only the JMH suites (RateLimitBenchmark: decision cost and allocation)
#   benchmarks/run-all.sh load       only the load harnesses (overload, stage cost, side by side, outage,
#                                    outbound per-call overhead, adaptive limit under a capacity drop)
# Extra JMH options can be given in JMH_OPTS, e.g. JMH_OPTS="-f 2 -i 10".
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
mvn -B -ntp -q -DskipTests -pl benchmarks -am package
jar=benchmarks/target/benchmarks.jar
if [[ "$what" == all || "$what" == jmh ]]; then
  # every @Benchmark in the jar but the outbound overhead (run with its ratios under load), with the allocation profiler
  java -Xms3g -Xmx3g -jar "$jar" -prof gc -f 1 -wi 3 -w 2 -i 5 -r 2 -e OutboundOverheadBenchmark ${JMH_OPTS:-}
  java -Xmx2g -cp "$jar" dev.seawall.bench.HeapPerKey
fi
if [[ "$what" == all || "$what" == load ]]; then
  java -cp "$jar" dev.seawall.bench.OverloadBenchmark 3 8
  java -cp "$jar" dev.seawall.bench.StageCostBenchmark 5 5 8
  java -cp "$jar" dev.seawall.bench.SideBySideBenchmark
  java -cp "$jar" dev.seawall.bench.OutageBenchmark
  java -cp "$jar" dev.seawall.bench.OutboundOverheadBenchmark 3
  java -cp "$jar" dev.seawall.bench.AdaptiveLimitBenchmark
fi
