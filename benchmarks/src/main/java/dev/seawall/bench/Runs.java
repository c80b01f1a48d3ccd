package dev.seawall.bench;

import dev.seawall.bench.SideBySideBenchmark.Setup;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measurements of alternating rounds, per setup, with the bare-Jetty reference of each: the mean of the two
 * bare runs that bracket it (every setup runs between two bare runs), so that drift on the shared machine
 * between a setup and its baseline is seconds, not a whole round. Not thread-safe.
 */
final class Runs extends LinkedHashMap<Setup, List<Loopback.Result>> {
    private static final long serialVersionUID = 1L;
    final Map<Setup, List<Double>> reference = new LinkedHashMap<>();
    /** The same for server CPU per answer: the mean of the two bracketing bare runs'. */
    final Map<Setup, List<Double>> referenceCpu = new LinkedHashMap<>();
}
