package dev.seawall.demo;

import jakarta.servlet.ServletContext;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The demo's simulated, flaky payment provider. By default ({@link Mode#AUTO}) it follows a script on the
 * wall clock: it answers 502 for the first 20 s of every minute, hangs for the next 10 s and is healthy for
 * the rest. An operator can override the script at run time ({@link Mode#MANUAL}: a failure rate and an
 * added latency, through {@link ProviderAdminServlet}) until the override is reset to the script.
 *
 * <p>Thread-safe: the settings are one immutable {@link Settings} value swapped atomically, so a call reads
 * a consistent pair (failure rate and latency) with one volatile read and never half of an update; counters
 * are {@link LongAdder}s. One instance per web application, shared through the servlet-context attribute
 * {@value #ATTRIBUTE}.
 */
final class PaymentProvider {

    /** Servlet-context attribute holding the application's provider. */
    static final String ATTRIBUTE = "dev.seawall.demo.paymentProvider";
    /** Longest latency an operator may add: beyond it a demo request would only hold a thread for nothing. */
    static final Duration MAX_LATENCY = Duration.ofSeconds(30);
    /** How long the scripted provider hangs in its bad phase (Seawall's 1 s timeout answers first). */
    static final long SCRIPT_HANG_MILLIS = 5_000;

    /** Whether the script or the operator decides. */
    enum Mode {
        AUTO, MANUAL;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What one call does: answer after {@code latencyMillis}, failing with probability {@code failureRate}. */
    record Settings(Mode mode, double failureRate, long latencyMillis) {
        static final Settings AUTO = new Settings(Mode.AUTO, 0, 0);
    }

    /** What the servlet must do for one call of the script. */
    enum Answer {
        ACCEPT, FAIL
    }

    /**
     * A failed call under the operator's control, thrown as a provider's client library throws when the
     * provider answers 5xx or refuses the connection. Why not a plain 502 as the script sends: the breaker
     * counts an exception as a failure whatever answer the client finally gets, while a 502 that the
     * payments policy's static fallback replaces is at present recorded with the fallback's status (202),
     * as a success, so the breaker would never open on it. Its message is our own and Seawall never lets it
     * reach the client; it carries no stack trace, so each failure logs one line, not thirty.
     */
    static final class ProviderFailure extends RuntimeException {
        ProviderFailure() {
            super("simulated payment provider failure (operator override)", null, false, false);
        }
    }

    private final AtomicReference<Settings> settings = new AtomicReference<>(Settings.AUTO);
    private final LongSupplier wallMillis;
    private final LongAdder calls = new LongAdder();
    private final LongAdder failures = new LongAdder();

    /** @param wallMillis the clock of the script (epoch millis); tests pin it to a phase of the minute */
    PaymentProvider(LongSupplier wallMillis) {
        this.wallMillis = wallMillis;
    }

    /**
     * The provider of this application: the one {@link DemoServer} put there, or a new scripted one when the
     * web application runs in another container. Created under the context's lock so two first callers
     * still share one.
     */
    static PaymentProvider of(ServletContext context) {
        synchronized (context) {
            if (context.getAttribute(ATTRIBUTE) instanceof PaymentProvider p) {
                return p;
            }
            PaymentProvider p = new PaymentProvider(System::currentTimeMillis);
            context.setAttribute(ATTRIBUTE, p);
            return p;
        }
    }

    Settings settings() {
        return settings.get();
    }

    /**
     * Overrides the script. A null argument keeps the current manual value (0 when coming from the script),
     * so {@code failure=0.6} alone leaves an earlier added latency in place.
     */
    Settings override(Double failureRate, Duration latency) {
        if (failureRate != null && !(failureRate >= 0 && failureRate <= 1)) {
            throw new IllegalArgumentException("failure rate outside 0..1");
        }
        if (latency != null && (latency.isNegative() || latency.compareTo(MAX_LATENCY) > 0)) {
            throw new IllegalArgumentException("latency outside 0.." + MAX_LATENCY);
        }
        return settings.updateAndGet(current -> {
            boolean manual = current.mode() == Mode.MANUAL;
            double f = failureRate != null ? failureRate : manual ? current.failureRate() : 0;
            long l = latency != null ? latency.toMillis() : manual ? current.latencyMillis() : 0;
            return new Settings(Mode.MANUAL, f, l);
        });
    }

    /** Back to the scripted behaviour. */
    Settings reset() {
        settings.set(Settings.AUTO);
        return Settings.AUTO;
    }

    /** @return the scripted phase right now: {@code down}, {@code hanging} or {@code healthy} */
    String scriptPhase() {
        long second = Math.floorMod(wallMillis.getAsLong() / 1000, 60);
        return second < 20 ? "down" : second < 30 ? "hanging" : "healthy";
    }

    long calls() {
        return calls.sum();
    }

    long failures() {
        return failures.sum();
    }

    /**
     * Serves one call on the caller's thread: waits the added latency (or the script's hang), then decides.
     * An interrupt (Seawall's timeout interrupts the handler at the deadline) ends the wait early; the
     * caller must then write nothing, as the deadline has already been answered.
     *
     * @return {@link Answer#FAIL} when the script is in its down phase (the servlet answers 502)
     * @throws ProviderFailure      when an operator's failure rate decides this call fails
     * @throws InterruptedException when interrupted while waiting
     */
    Answer call() throws InterruptedException {
        calls.increment();
        Settings s = settings.get(); // one read: the latency and the rate always belong to one update
        if (s.mode() == Mode.AUTO) {
            String phase = scriptPhase();
            if (phase.equals("hanging")) {
                Thread.sleep(SCRIPT_HANG_MILLIS);
            }
            if (phase.equals("down")) {
                failures.increment();
                return Answer.FAIL;
            }
            return Answer.ACCEPT;
        }
        if (s.latencyMillis() > 0) {
            Thread.sleep(s.latencyMillis());
        }
        // nextDouble() is in [0, 1): a rate of 1 always fails, a rate of 0 never does
        if (ThreadLocalRandom.current().nextDouble() < s.failureRate()) {
            failures.increment();
            throw new ProviderFailure();
        }
        return Answer.ACCEPT;
    }

    /** The settings and counters as a JSON object (what {@code GET /seawall/admin/provider} answers). */
    String json() {
        Settings s = settings.get();
        StringBuilder sb = new StringBuilder(200).append("{\"mode\":\"").append(s.mode().wireName()).append('"');
        if (s.mode() == Mode.AUTO) {
            sb.append(",\"script\":\"502 in seconds 0-19 of each minute, hangs ").append(SCRIPT_HANG_MILLIS / 1000)
                    .append(" s in 20-29, healthy otherwise\",\"phase\":\"").append(scriptPhase()).append('"');
        } else {
            sb.append(",\"failure\":").append(s.failureRate()).append(",\"latencyMillis\":").append(s.latencyMillis());
        }
        return sb.append(",\"calls\":").append(calls()).append(",\"failures\":").append(failures()).append('}').toString();
    }
}
