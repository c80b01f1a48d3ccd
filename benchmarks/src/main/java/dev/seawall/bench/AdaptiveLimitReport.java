package dev.seawall.bench;

import dev.seawall.bench.AdaptiveLimitRun.Figures;
import dev.seawall.bench.AdaptiveLimitRun.Phase;

import java.util.List;
import java.util.Locale;

/**
 * The adaptive-limit run's report: a Markdown table of every configuration, the targets, and a per-second
 * timeline per configuration. Stateless; thread-safe.
 */
final class AdaptiveLimitReport {

    private static final long SECOND = 1_000_000_000L;
    /** The targets: critical availability through the drop; settling time of the adaptive limit. */
    static final double TARGET_CRITICAL = 0.99;
    static final double TARGET_SETTLE_MILLIS = 10_000;

    private AdaptiveLimitReport() {
    }

    /** One line for the log when a configuration is done. */
    static String line(AdaptiveLimitRun run) {
        Figures b = run.figures(Phase.BEFORE);
        Figures a = run.figures(Phase.AFTER);
        return String.format(Locale.ROOT, "goodput %.0f/s before, %.0f/s after; critical %s / %s, sheddable %s / %s;"
                        + " p99 admitted %.0f / %.0f ms; limit %s -> %s, settled %s", b.goodputPerSecond(),
                a.goodputPerSecond(), pct(b.criticalAvailability()), pct(a.criticalAvailability()),
                pct(b.sheddableAvailability()), pct(a.sheddableAvailability()), b.p99AdmittedMillis(),
                a.p99AdmittedMillis(), num(limitBefore(run)), num(run.finalLimit()),
                run.setup.equals(AdaptiveLimitBenchmark.STATIC) ? "— (fixed)" : settled(run.settlingMillis()));
    }

    static String markdown(AdaptiveLimitBenchmark.Options o, List<AdaptiveLimitRun> runs, List<String> notes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Adaptive limit under a capacity drop: backend %d workers x %d ms"
                        + " (%d/s), halved at %d s of a %d s run; open load %d req/s (%d %% critical /critical/*, the"
                        + " rest sheddable /prefetch/*), %d client addresses; latency objective %d ms; static"
                        + " max-concurrent %d, queue %d, max-wait %d ms; adaptive: gradient2, initial %d, min %d,"
                        + " max %d, %d %% reserved for critical%n%n", o.capacity(), o.baseMillis(),
                o.capacity() * 1000 / o.baseMillis(), o.seconds() / 2, o.seconds(), o.rate(), o.criticalShare(),
                o.clients(), o.sloMillis(), o.capacity(), o.queue(), o.maxWaitMillis(), o.capacity(), o.min(),
                o.max(), o.reserve()));
        sb.append("| setup | goodput/s (whole run) | goodput/s before / after | p99 admitted ms before / after |"
                + " critical available before / after (worst second after) | sheddable available before / after |"
                + " refused | failed | limit before -> final | limit settled after the drop |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (AdaptiveLimitRun run : runs) {
            Figures w = run.figures(Phase.WHOLE);
            Figures b = run.figures(Phase.BEFORE);
            Figures a = run.figures(Phase.AFTER);
            boolean fixed = run.setup.equals(AdaptiveLimitBenchmark.STATIC);
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f / %.1f | %.1f / %.1f | %s / %s (%s) | %s / %s |"
                            + " %d | %d | %s | %s |%n", run.setup, w.goodputPerSecond(), b.goodputPerSecond(),
                    a.goodputPerSecond(), b.p99AdmittedMillis(), a.p99AdmittedMillis(), pct(b.criticalAvailability()),
                    pct(a.criticalAvailability()), pct(worstCriticalSecondAfter(run)), pct(b.sheddableAvailability()),
                    pct(a.sheddableAvailability()), w.refused(), w.failed(),
                    fixed ? "fixed " + num(run.finalLimit()) : num(limitBefore(run)) + " -> " + num(run.finalLimit()),
                    fixed ? "—" : settled(run.settlingMillis())));
        }
        for (String note : notes) {
            sb.append("\n").append(note).append('\n');
        }
        sb.append(targets(runs));
        sb.append("\nDefinitions: available = answered 2xx, over requests sent (by send instant) in the phase;"
                + " goodput = 2xx within the objective per second; latency from the request's due instant;"
                + " settled = from the first sample after the drop that stays within max(2, 20 %) of the final"
                + " limit (median of the last 5 s) to the end of the run (see AdaptiveLimitRun).\n");
        for (AdaptiveLimitRun run : runs) {
            sb.append(timeline(run));
        }
        return sb.toString();
    }

    private static String targets(List<AdaptiveLimitRun> runs) {
        AdaptiveLimitRun adaptive = find(runs, AdaptiveLimitBenchmark.ADAPTIVE);
        AdaptiveLimitRun netflix = find(runs, AdaptiveLimitBenchmark.NETFLIX);
        StringBuilder sb = new StringBuilder("\n| target | result | met? |\n|---|---|---|\n");
        if (adaptive == null) {
            sb.append("| critical >= 99 % available through the drop (seawall-adaptive) | to be measured | — |\n");
            sb.append("| goodput >= the Netflix filter's | to be measured | — |\n");
            sb.append("| adaptive limit settles within 10 s of the change | to be measured | — |\n");
            return sb.toString();
        }
        Figures a = adaptive.figures(Phase.AFTER);
        double crit = Math.min(adaptive.figures(Phase.BEFORE).criticalAvailability(), a.criticalAvailability());
        sb.append(String.format(Locale.ROOT, "| critical >= 99 %% available through the drop | %s before / %s after"
                        + " | %s |%n", pct(adaptive.figures(Phase.BEFORE).criticalAvailability()),
                pct(a.criticalAvailability()), crit >= TARGET_CRITICAL ? "**yes**" : "**no**"));
        if (netflix != null) {
            double mine = adaptive.figures(Phase.WHOLE).goodputPerSecond();
            double theirs = netflix.figures(Phase.WHOLE).goodputPerSecond();
            sb.append(String.format(Locale.ROOT, "| goodput >= the Netflix filter's | %.1f/s vs %.1f/s (%.3f) | %s |%n",
                    mine, theirs, mine / theirs, mine >= theirs ? "**yes**" : "**no**"));
        }
        double settle = adaptive.settlingMillis();
        sb.append(String.format(Locale.ROOT, "| adaptive limit settles within 10 s of the change | %s | %s |%n",
                settled(settle), !Double.isNaN(settle) && settle >= 0 && settle <= TARGET_SETTLE_MILLIS
                        ? "**yes**" : "**no**"));
        return sb.toString();
    }

    private static AdaptiveLimitRun find(List<AdaptiveLimitRun> runs, String setup) {
        return runs.stream().filter(r -> r.setup.equals(setup)).findFirst().orElse(null);
    }

    private static String timeline(AdaptiveLimitRun run) {
        StringBuilder sb = new StringBuilder();
        sb.append("\n").append(run.setup).append(", per second (by send instant; the capacity halves at second ")
                .append(run.dropNanos / SECOND).append("):\n\n");
        sb.append("| s | sent | 2xx | within objective | critical available | sheddable available | p99 admitted ms |"
                + " limit (median) |\n|---|---|---|---|---|---|---|---|\n");
        for (long s = 0; s * SECOND < run.endNanos; s++) {
            Figures f = run.figures(s * SECOND, (s + 1) * SECOND);
            sb.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %s | %s | %.0f | %s |%n", s, f.sent(), f.ok(),
                    f.good(), pct(f.criticalAvailability()), pct(f.sheddableAvailability()), f.p99AdmittedMillis(),
                    num(run.medianLimit(s * SECOND, (s + 1) * SECOND))));
        }
        return sb.toString();
    }

    /** The limit just before the drop: the median of the {@value AdaptiveLimitRun#FINAL_WINDOW_MILLIS} ms before it. */
    static double limitBefore(AdaptiveLimitRun run) {
        return run.medianLimit(run.dropNanos - AdaptiveLimitRun.FINAL_WINDOW_MILLIS * 1_000_000L, run.dropNanos);
    }

    /** The lowest critical availability of any whole second after the drop. */
    static double worstCriticalSecondAfter(AdaptiveLimitRun run) {
        double worst = Double.NaN;
        for (long s = run.dropNanos / SECOND; (s + 1) * SECOND <= run.endNanos; s++) {
            double c = run.figures(s * SECOND, (s + 1) * SECOND).criticalAvailability();
            if (!Double.isNaN(c) && (Double.isNaN(worst) || c < worst)) {
                worst = c;
            }
        }
        return worst;
    }

    static String settled(double millis) {
        if (Double.isNaN(millis)) {
            return "not read";
        }
        return millis < 0 ? "not settled" : String.format(Locale.ROOT, "%.1f s", millis / 1000);
    }

    private static String pct(double ratio) {
        return Double.isNaN(ratio) ? "—" : String.format(Locale.ROOT, "%.1f %%", 100 * ratio);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.1f", v);
    }
}
