package dev.seawall.demo;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The last five minutes of Seawall's counters and gauges, in the same 5-second slots as {@link LatencyHistory}, so
 * that the status page's rate charts survive a reload of the page: per slot the rate per second of each counter
 * (admitted, refused, fallbacks served...), the highest reading of each gauge (in flight, queued, the limit) and the
 * set of breaker states seen.
 *
 * <p>It is fed by {@link #sample} — one sampling thread ({@link HistorySampler}) reads the meter registry about once
 * a second — and never by requests. A counter's slot holds the sum of the increases seen by the samples that fell
 * into it; the first sample of a counter only sets its baseline. A counter that goes backwards (never expected:
 * Seawall's counters survive reloads) restarts its baseline without a negative rate. A slot no sample fell into is
 * {@code null}: the chart shows a gap, not a zero it did not measure.
 *
 * <p>Memory is fixed: at most {@value #MAX_SERIES} series (their names come from meter tags, which the configuration
 * bounds), {@value LatencyHistory#SLOTS} slots each; further series are dropped.
 *
 * <p>Thread-safe: every method synchronizes on this history; sampling does O(series) work once a second and a
 * snapshot O(series x slots), so the one lock is never contended in a meaningful way.
 */
final class RateHistory {

    /** Servlet-context attribute holding the application's history. */
    static final String ATTRIBUTE = "dev.seawall.demo.rateHistory";
    static final int SLOTS = LatencyHistory.SLOTS;
    static final long SLOT_NANOS = LatencyHistory.SLOT_NANOS;
    static final int MAX_SERIES = 2_048;

    /** Breaker states as bits of a {@link #sample} state set: one slot may see several. */
    static final int CLOSED = 1;
    static final int OPEN = 2;
    static final int HALF_OPEN = 4;

    private final LongSupplier nanoClock;
    private final LongSupplier wallMillis;
    private final Map<String, Counter> counters = new TreeMap<>();
    private final Map<String, Ring> gauges = new TreeMap<>();
    private final Map<String, Ring> states = new TreeMap<>();

    /**
     * @param nanoClock  the monotonic clock that places samples in slots (the one of the {@link LatencyHistory}, so the
     *                   slots of both line up)
     * @param wallMillis the wall clock (epoch millis), read only to label the slots for the charts' time axes
     */
    RateHistory(LongSupplier nanoClock, LongSupplier wallMillis) {
        this.nanoClock = nanoClock;
        this.wallMillis = wallMillis;
    }

    /**
     * Records one reading of every series at the current time.
     *
     * @param counterValues counter name to its cumulative value
     * @param gaugeValues   gauge name to its reading (a slot keeps the highest; NaN is ignored)
     * @param stateBits     state-set name to the bits of the state now ({@link #CLOSED}, {@link #OPEN},
     *                      {@link #HALF_OPEN}; a slot keeps every bit seen)
     */
    synchronized void sample(Map<String, Double> counterValues, Map<String, Double> gaugeValues,
                             Map<String, Integer> stateBits) {
        long slot = Math.floorDiv(nanoClock.getAsLong(), SLOT_NANOS);
        counterValues.forEach((name, value) -> {
            Counter c = counters.get(name);
            if (c == null) {
                if (size() >= MAX_SERIES || value == null || value.isNaN()) {
                    return;
                }
                c = new Counter(value); // the baseline: nothing counted yet in this history
                counters.put(name, c);
            }
            c.record(slot, value);
        });
        gaugeValues.forEach((name, value) -> {
            if (value == null || value.isNaN()) {
                return;
            }
            Ring r = ring(gauges, name);
            if (r != null) {
                r.max(slot, value);
            }
        });
        stateBits.forEach((name, bits) -> {
            Ring r = ring(states, name);
            if (r != null && bits != null) {
                r.or(slot, bits);
            }
        });
    }

    private Ring ring(Map<String, Ring> map, String name) {
        Ring r = map.get(name);
        if (r == null && size() < MAX_SERIES) {
            r = new Ring();
            map.put(name, r);
        }
        return r;
    }

    private int size() {
        return counters.size() + gauges.size() + states.size();
    }

    /**
     * @return {@code {"slotSeconds":5,"slots":60,"endMillis":..,"rates":{name:[..]},"gauges":{name:[..]},
     *         "states":{name:[..]}}}, names sorted, every array oldest slot first and ending with the current slot,
     *         {@code null} where no sample fell. Rates are per second: a past slot's increase over 5 s, the current
     *         slot's over the part of it that has passed (at least one second). {@code endMillis} is the wall time
     *         at which the current slot ends, so slot {@code i} starts at {@code endMillis - (60 - i) * 5000}.
     */
    synchronized String json() {
        long now = nanoClock.getAsLong();
        long current = Math.floorDiv(now, SLOT_NANOS);
        long intoSlot = now - current * SLOT_NANOS;
        long endMillis = wallMillis.getAsLong() + (SLOT_NANOS - intoSlot) / 1_000_000L;
        double currentSeconds = Math.max(1.0, intoSlot / 1e9);
        StringBuilder sb = new StringBuilder(4096).append("{\"slotSeconds\":").append(SLOT_NANOS / 1_000_000_000L)
                .append(",\"slots\":").append(SLOTS).append(",\"endMillis\":").append(endMillis).append(",\"rates\":{");
        boolean first = true;
        for (Map.Entry<String, Counter> e : counters.entrySet()) {
            first = name(sb, e.getKey(), first);
            e.getValue().ring.json(sb, current, slot -> slot == current ? currentSeconds : SLOT_NANOS / 1e9, true);
        }
        sb.append("},\"gauges\":{");
        first = true;
        for (Map.Entry<String, Ring> e : gauges.entrySet()) {
            first = name(sb, e.getKey(), first);
            e.getValue().json(sb, current, slot -> 1.0, true);
        }
        sb.append("},\"states\":{");
        first = true;
        for (Map.Entry<String, Ring> e : states.entrySet()) {
            first = name(sb, e.getKey(), first);
            e.getValue().json(sb, current, slot -> 1.0, false);
        }
        return sb.append("}}").toString();
    }

    private static boolean name(StringBuilder sb, String name, boolean first) {
        sb.append(first ? "\"" : ",\"");
        for (char c : name.toCharArray()) {
            // names are built from policy, limit and breaker names (a-z 0-9 . _ -) and '/', but stay safe anyway
            sb.append(c == '"' || c == '\\' || c < 0x20 || c == '<' || c == '>'
                    ? String.format(java.util.Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
        }
        sb.append("\":");
        return false;
    }

    /** A counter: its last cumulative value and the increases per slot. */
    private static final class Counter {
        private final Ring ring = new Ring();
        private double last;

        Counter(double baseline) {
            last = baseline;
        }

        void record(long slot, double value) {
            if (Double.isNaN(value)) {
                return;
            }
            double delta = value - last;
            last = value;
            ring.add(slot, Math.max(0, delta)); // a counter that went backwards restarts its baseline
        }
    }

    /** One value per slot; the owner's lock guards it. */
    private static final class Ring {
        private final long[] slotIndex = new long[SLOTS];
        private final double[] value = new double[SLOTS];

        Ring() {
            java.util.Arrays.fill(slotIndex, Long.MIN_VALUE); // no slot holds data yet
        }

        private int claim(long slot, double initial) {
            int i = (int) Math.floorMod(slot, (long) SLOTS);
            if (slotIndex[i] != slot) { // the ring came round: this slot's data is five minutes old
                slotIndex[i] = slot;
                value[i] = initial;
            }
            return i;
        }

        void add(long slot, double delta) {
            int i = claim(slot, 0);
            value[i] += delta;
        }

        void max(long slot, double v) {
            int i = claim(slot, Double.NEGATIVE_INFINITY);
            value[i] = Math.max(value[i], v);
        }

        void or(long slot, int bits) {
            int i = claim(slot, 0);
            value[i] = ((int) value[i]) | bits;
        }

        void json(StringBuilder sb, long current, java.util.function.LongToDoubleFunction divisor, boolean decimals) {
            sb.append('[');
            for (long slot = current - SLOTS + 1; slot <= current; slot++) {
                if (slot != current - SLOTS + 1) {
                    sb.append(',');
                }
                int i = (int) Math.floorMod(slot, (long) SLOTS);
                if (slotIndex[i] != slot) {
                    sb.append("null");
                } else if (decimals) {
                    sb.append(String.format(java.util.Locale.ROOT, "%.2f", value[i] / divisor.applyAsDouble(slot)));
                } else {
                    sb.append((long) value[i]);
                }
            }
            sb.append(']');
        }
    }
}
