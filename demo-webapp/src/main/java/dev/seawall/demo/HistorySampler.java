package dev.seawall.demo;

import dev.seawall.servlet.SeawallFilter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Statistic;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the status page's history on the server: creates the application's {@link LatencyHistory} and
 * {@link RateHistory} (both on {@code System.nanoTime}, so their 5-second slots line up) and runs the one thread that
 * reads Seawall's meters into the rate history once a second. Registered in {@code web.xml} as a listener, so it
 * runs before any filter and stops with the application.
 *
 * <p>What it reads is the Micrometer registry Seawall publishes to (the context attribute
 * {@value SeawallFilter#METER_REGISTRY_ATTRIBUTE}): the same meters {@code /metrics} shows and a dashboard would
 * chart, for the YAML policies and the JAX-RS annotation ones alike. Series names are
 * {@code <policy>/limit/<limit>/admitted|refused|would-reject}, {@code <policy>/throttle/refused|in-flight|queued|limit},
 * {@code <policy>/timeout/answered}, {@code <policy>/fallback/cache|static}, {@code <policy>/exempt},
 * {@code <policy>/idempotency/first|replayed}, {@code <policy>/requests} (the demo's latency probe) and
 * {@code breaker/<breaker>/state|not-permitted|failures}.
 *
 * <p>Thread-safe: the listener's fields are written once at start; {@link #read} is stateless.
 */
public class HistorySampler implements ServletContextListener {

    private volatile ScheduledExecutorService thread;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        RateHistory rates;
        synchronized (context) {
            // DemoServer may have put them there (tests drive them); otherwise this listener owns them
            if (!(context.getAttribute(LatencyHistory.ATTRIBUTE) instanceof LatencyHistory)) {
                context.setAttribute(LatencyHistory.ATTRIBUTE,
                        new LatencyHistory(System::nanoTime, System::currentTimeMillis));
            }
            if (context.getAttribute(RateHistory.ATTRIBUTE) instanceof RateHistory h) {
                rates = h;
            } else {
                rates = new RateHistory(System::nanoTime, System::currentTimeMillis);
                context.setAttribute(RateHistory.ATTRIBUTE, rates);
            }
        }
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "seawall-demo-history");
            th.setDaemon(true);
            return th;
        });
        t.scheduleAtFixedRate(() -> {
            try {
                if (context.getAttribute(SeawallFilter.METER_REGISTRY_ATTRIBUTE) instanceof MeterRegistry registry) {
                    sample(registry, rates);
                }
            } catch (RuntimeException e) {
                // a meter that fails to read must not end the sampling for the rest of the run
                context.log("Seawall demo: sampling the meters failed: " + e.getClass().getSimpleName());
            }
        }, 0, 1, TimeUnit.SECONDS);
        thread = t;
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ScheduledExecutorService t = thread;
        if (t != null) {
            t.shutdownNow();
        }
    }

    /** Reads every meter the history keeps and records one sample of them. */
    static void sample(MeterRegistry registry, RateHistory history) {
        Map<String, Double> counters = new HashMap<>();
        Map<String, Double> gauges = new HashMap<>();
        Map<String, Integer> states = new HashMap<>();
        for (Meter meter : registry.getMeters()) {
            read(meter, counters, gauges, states);
        }
        history.sample(counters, gauges, states);
    }

    static void read(Meter meter, Map<String, Double> counters, Map<String, Double> gauges,
                     Map<String, Integer> states) {
        Meter.Id id = meter.getId();
        String policy = id.getTag("policy");
        String breaker = id.getTag("breaker");
        String outcome = id.getTag("outcome");
        if (policy == null && breaker == null) {
            return; // every series is a policy's or a breaker's
        }
        switch (id.getName()) {
            case "seawall.ratelimit.decisions" -> {
                String base = policy + "/limit/" + id.getTag("limit");
                if ("admitted".equals(outcome)) {
                    add(counters, base + "/admitted", count(meter));
                } else if ("rejected".equals(outcome) || "missing".equals(outcome) || "invalid".equals(outcome)) {
                    add(counters, base + "/refused", count(meter));
                } else if ("would-reject".equals(outcome)) {
                    add(counters, base + "/would-reject", count(meter));
                }
            }
            case "seawall.throttle.rejections" -> add(counters, policy + "/throttle/refused", count(meter));
            case "seawall.throttle.in.flight" -> gauges.put(policy + "/throttle/in-flight", value(meter));
            case "seawall.throttle.queued" -> gauges.put(policy + "/throttle/queued", value(meter));
            case "seawall.throttle.limit" -> gauges.put(policy + "/throttle/limit", value(meter));
            case "seawall.timeout.calls" -> {
                if ("answered".equals(outcome)) {
                    add(counters, policy + "/timeout/answered", count(meter));
                }
            }
            case "seawall.fallback.served" -> {
                String source = id.getTag("source");
                if ("cache".equals(source)) {
                    add(counters, policy + "/fallback/cache", count(meter));
                } else if (source != null && !"none".equals(source)) {
                    add(counters, policy + "/fallback/static", count(meter));
                }
            }
            case "seawall.requests.exempt" -> add(counters, policy + "/exempt", count(meter));
            case "seawall.idempotency.requests" -> {
                if ("replayed".equals(outcome) || "first".equals(outcome)) {
                    add(counters, policy + "/idempotency/" + outcome, count(meter));
                }
            }
            case "seawall.demo.latency" -> add(counters, policy + "/requests", count(meter));
            case "seawall.breaker.state" -> {
                // 0 closed, 1 open (forced open included), 2 half-open
                double code = value(meter);
                states.put("breaker/" + breaker + "/state", code == 2 ? RateHistory.HALF_OPEN
                        : code == 1 ? RateHistory.OPEN : code == 0 ? RateHistory.CLOSED : 0);
            }
            case "seawall.breaker.not.permitted" -> add(counters, "breaker/" + breaker + "/not-permitted", count(meter));
            case "seawall.breaker.calls" -> {
                if ("failure".equals(outcome) || "slow".equals(outcome)) {
                    add(counters, "breaker/" + breaker + "/failures", count(meter));
                }
            }
            default -> {
                // not charted
            }
        }
    }

    private static void add(Map<String, Double> map, String name, double value) {
        if (!name.startsWith("null/") && !name.contains("/null/") && !Double.isNaN(value)) {
            map.merge(name, value, Double::sum);
        }
    }

    /** A counter's total, a function counter's, or a timer's count. */
    private static double count(Meter meter) {
        for (Measurement m : meter.measure()) {
            if (m.getStatistic() == Statistic.COUNT) {
                return m.getValue();
            }
        }
        return Double.NaN;
    }

    private static double value(Meter meter) {
        for (Measurement m : meter.measure()) {
            if (m.getStatistic() == Statistic.VALUE) {
                return m.getValue();
            }
        }
        return Double.NaN;
    }
}
