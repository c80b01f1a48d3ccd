package dev.seawall.demo;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /seawall/admin/provider}: run-time control of the demo's simulated payment provider
 * ({@link PaymentProvider}), protected like the status endpoint (see {@link ProtectedDemoServlet}).
 *
 * <ul>
 *   <li>{@code GET}: the current settings and call counters as JSON.</li>
 *   <li>{@code POST failure=0.6&latency=300ms} (query or form parameters): override the script; either
 *       parameter alone keeps the other's current manual value. {@code failure} is a decimal from 0 to 1,
 *       {@code latency} a whole number of {@code ms} or {@code s} from 0 to 30 s.</li>
 *   <li>{@code POST mode=auto}: reset to the scripted behaviour ({@code mode=manual} alone switches to
 *       manual with the last or zero values).</li>
 * </ul>
 * Anything else (an unknown or repeated parameter, a value out of range, {@code mode=auto} combined with a
 * value) answers 400 problem+json and changes nothing. A bearer token authorises a change, never a cookie, so
 * a cross-site form cannot make one.
 *
 * <p>Thread-safe: stateless apart from the shared, thread-safe provider.
 */
public class ProviderAdminServlet extends ProtectedDemoServlet {

    private static final Set<String> PARAMETERS = Set.of("failure", "latency", "mode");
    private static final Pattern RATE = Pattern.compile("(?:0|1)?(?:\\.[0-9]{1,6})?");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,6})(ms|s)");
    private static final String USAGE = "Expected failure=<0..1> and/or latency=<0..30s, e.g. 300ms>, or mode=auto"
            + " to reset to the scripted provider.";

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (admit(req, resp)) {
            json(resp, PaymentProvider.of(getServletContext()).json());
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!admit(req, resp)) {
            return;
        }
        PaymentProvider provider = PaymentProvider.of(getServletContext());
        Map<String, String[]> params = req.getParameterMap();
        if (params.isEmpty()) {
            badRequest(resp, USAGE);
            return;
        }
        for (Map.Entry<String, String[]> e : params.entrySet()) {
            // names are checked against a fixed set, so no client text ever reaches the problem body
            if (!PARAMETERS.contains(e.getKey()) || e.getValue().length != 1 || e.getValue()[0].length() > 32) {
                badRequest(resp, "Unknown, repeated or overlong parameter. " + USAGE);
                return;
            }
        }
        String mode = req.getParameter("mode");
        String failure = req.getParameter("failure");
        String latency = req.getParameter("latency");
        if (mode != null && !mode.equals("auto") && !mode.equals("manual")) {
            badRequest(resp, "mode must be auto or manual. " + USAGE);
            return;
        }
        if ("auto".equals(mode)) {
            if (failure != null || latency != null) {
                badRequest(resp, "mode=auto resets to the script and takes no failure or latency. " + USAGE);
                return;
            }
            provider.reset();
            json(resp, provider.json());
            return;
        }
        Double rate = null;
        if (failure != null) {
            rate = rate(failure.strip());
            if (rate == null) {
                badRequest(resp, "failure must be a decimal from 0 to 1, like 0.6. " + USAGE);
                return;
            }
        }
        Duration delay = null;
        if (latency != null) {
            delay = duration(latency.strip());
            if (delay == null) {
                badRequest(resp, "latency must be 0 or a whole number of ms or s up to 30s, like 300ms. " + USAGE);
                return;
            }
        }
        provider.override(rate, delay);
        json(resp, provider.json());
    }

    /** @return the rate, or null when the text is not a decimal in 0..1 */
    static Double rate(String text) {
        if (text.isEmpty() || text.equals(".") || !RATE.matcher(text).matches()) {
            return null;
        }
        double v = Double.parseDouble(text); // cannot throw: the pattern admits only plain decimals
        return v <= 1 ? v : null;
    }

    /** @return the duration, or null when the text is not 0 or N ms / N s within the provider's bound */
    static Duration duration(String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1)); // at most six digits
        Duration d = m.group(2).equals("ms") ? Duration.ofMillis(n) : Duration.ofSeconds(n);
        return d.compareTo(PaymentProvider.MAX_LATENCY) <= 0 ? d : null;
    }
}
