package dev.seawall.demo;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The last five minutes of client-seen latency per policy, in 5-second slots, for the status page's latency
 * charts: per slot the number of calls, the median, the 95th percentile and the maximum.
 *
 * <p>Each slot keeps a log-scale histogram (buckets 10 % wide from 0.1 ms to about 2 minutes), so a
 * percentile is exact to within 5 % and memory is fixed: about 600 bytes per slot, 60 slots per policy,
 * whatever the traffic. A slot is reused when its 5 seconds come round again five minutes later.
 *
 * <p>Thread-safe: one lock per policy, held for O(1) work per recorded call and O(slots x buckets) per
 * snapshot — a demo has a few calls per second per policy, so contention is no concern. At most
 * {@value #MAX_POLICIES} policies are tracked (the names come from the configuration, never from a client);
 * calls of further names are dropped.
 */
final class LatencyHistory {

    /** Servlet-context attribute holding the application's history. */
    static final String ATTRIBUTE = "dev.seawall.demo.latencyHistory";
    static final int SLOTS = 60;
    static final long SLOT_NANOS = 5_000_000_000L;
    static final int MAX_POLICIES = 256;

    private static final int BUCKETS = 160;
    private static final double BASE_MICROS = 100;
    private static final double LOG_GROWTH = Math.log(1.1);

    private final LongSupplier nanoClock;
    private final LongSupplier wallMillis;
    private final ConcurrentHashMap<String, Series> series = new ConcurrentHashMap<>();

    /** @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime}); tests pass a manual one */
    LatencyHistory(LongSupplier nanoClock) {
        this(nanoClock, System::currentTimeMillis);
    }

    /**
     * @param nanoClock  a monotonic clock in nanoseconds that places calls in slots
     * @param wallMillis the wall clock (epoch millis), read only to label the slots for the charts' time axes
     */
    LatencyHistory(LongSupplier nanoClock, LongSupplier wallMillis) {
        this.nanoClock = nanoClock;
        this.wallMillis = wallMillis;
    }

    /** @return the clock's current reading, for callers that measure a duration to {@link #record} */
    long now() {
        return nanoClock.getAsLong();
    }

    /** Records one call of {@code policy} that took {@code nanos}, in the slot of the current time. */
    void record(String policy, long nanos) {
        Series s = series.get(policy);
        if (s == null) {
            if (series.size() >= MAX_POLICIES) {
                return;
            }
            s = series.computeIfAbsent(policy, p -> new Series());
        }
        s.record(Math.floorDiv(now(), SLOT_NANOS), Math.max(0, nanos));
    }

    /**
     * @param policies the policies to report, in this order (those without calls get empty series)
     * @return {@code {"slotSeconds":5,"slots":60,"endMillis":..,"policies":[{"policy":..,"calls":..,"count":[..],
     *         "p50":[..],"p95":[..],"max":[..]}]}}, every series oldest slot first and ending with the
     *         current one; times in milliseconds, {@code null} where a slot saw no call. {@code endMillis} is the
     *         wall time at which the current slot ends: slot {@code i} starts at {@code endMillis - (60 - i) * 5000}
     */
    String json(List<String> policies) {
        long now = now();
        long current = Math.floorDiv(now, SLOT_NANOS);
        long endMillis = wallMillis.getAsLong() + (SLOT_NANOS - (now - current * SLOT_NANOS)) / 1_000_000L;
        StringBuilder sb = new StringBuilder(1024).append("{\"slotSeconds\":").append(SLOT_NANOS / 1_000_000_000L)
                .append(",\"slots\":").append(SLOTS).append(",\"endMillis\":").append(endMillis)
                .append(",\"policies\":[");
        for (int i = 0; i < policies.size(); i++) {
            Series s = series.get(policies.get(i));
            sb.append(i == 0 ? "" : ",").append("{\"policy\":\"").append(jsonText(policies.get(i))).append('"');
            (s == null ? new Series() : s).json(sb, current);
            sb.append('}');
        }
        return sb.append("]}").toString();
    }

    static int bucket(long nanos) {
        double micros = nanos / 1_000.0;
        if (micros < BASE_MICROS) {
            return 0;
        }
        return (int) Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(micros / BASE_MICROS) / LOG_GROWTH));
    }

    /** The geometric middle of a bucket, in nanoseconds. */
    static double bucketValue(int bucket) {
        if (bucket == 0) {
            return BASE_MICROS * 500; // half of the first bound, 0.05 ms
        }
        return BASE_MICROS * 1_000 * Math.pow(1.1, bucket - 1) * Math.sqrt(1.1);
    }

    private static String jsonText(String s) {
        // policy names are 1-64 chars of a-z 0-9 . _ - (the configuration enforces it), but stay safe anyway
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            sb.append(c == '"' || c == '\\' || c < 0x20 || c == '<' || c == '>'
                    ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }

    /** One policy's ring of slots; guarded by its own monitor. */
    private static final class Series {
        private final long[] slotIndex = new long[SLOTS];
        private final long[] count = new long[SLOTS];
        private final long[] max = new long[SLOTS];
        private final int[][] histogram = new int[SLOTS][BUCKETS];
        private long calls;

        Series() {
            java.util.Arrays.fill(slotIndex, Long.MIN_VALUE); // no slot holds data yet
        }

        synchronized void record(long slot, long nanos) {
            int i = (int) Math.floorMod(slot, (long) SLOTS);
            if (slotIndex[i] != slot) { // the ring came round: this slot's data is five minutes old
                slotIndex[i] = slot;
                count[i] = 0;
                max[i] = 0;
                java.util.Arrays.fill(histogram[i], 0);
            }
            count[i]++;
            max[i] = Math.max(max[i], nanos);
            histogram[i][bucket(nanos)]++;
            calls++;
        }

        synchronized void json(StringBuilder sb, long current) {
            StringBuilder counts = new StringBuilder("[");
            StringBuilder p50 = new StringBuilder("[");
            StringBuilder p95 = new StringBuilder("[");
            StringBuilder maxima = new StringBuilder("[");
            for (long slot = current - SLOTS + 1; slot <= current; slot++) {
                String sep = slot == current - SLOTS + 1 ? "" : ",";
                int i = (int) Math.floorMod(slot, (long) SLOTS);
                boolean has = slotIndex[i] == slot && count[i] > 0;
                counts.append(sep).append(has ? count[i] : 0);
                p50.append(sep).append(has ? millis(Math.min(percentile(i, 0.50), max[i])) : "null");
                p95.append(sep).append(has ? millis(Math.min(percentile(i, 0.95), max[i])) : "null");
                maxima.append(sep).append(has ? millis(max[i]) : "null");
            }
            sb.append(",\"calls\":").append(calls).append(",\"count\":").append(counts).append("],\"p50\":")
                    .append(p50).append("],\"p95\":").append(p95).append("],\"max\":").append(maxima).append(']');
        }

        private double percentile(int slot, double q) {
            long rank = Math.max(1, (long) Math.ceil(q * count[slot]));
            long seen = 0;
            for (int b = 0; b < BUCKETS; b++) {
                seen += histogram[slot][b];
                if (seen >= rank) {
                    return bucketValue(b);
                }
            }
            return max[slot];
        }

        private static String millis(double nanos) {
            return String.format(Locale.ROOT, "%.1f", nanos / 1_000_000.0);
        }
    }
}
