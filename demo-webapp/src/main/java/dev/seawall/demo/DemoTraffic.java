package dev.seawall.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Synthetic users for the demo, so that every card of the status page shows its policy at work without anyone
 * typing curl. Traffic comes in rounds, one a second ({@link #start()}), or driven one at a time by a test
 * ({@link #round()}); each round sends, for every policy of the demo's {@code seawall.yaml} and its JAX-RS
 * annotations, requests that make its protections visible:
 * <ul>
 *   <li>{@code login}: a credential stuffer from one address (refused after 5 a minute), real users from others;</li>
 *   <li>{@code catalog}: a pro and a free key (the free plan refused after 3 a minute), calls without a key (401),
 *       and now and then a failing database: the pro caller gets its last good copy ({@code X-Data-Source: cache}),
 *       a page nobody read before the static answer;</li>
 *   <li>{@code orders}: alice and bob in two tenants (bursts past the user's 2 a second and the tenant's 20 a
 *       minute), an invalid tenant id, and carol's retried {@code POST}s with an {@code Idempotency-Key}
 *       (replayed);</li>
 *   <li>{@code reports}: bursts of slow reports from distinct clients (two run, ten wait, the rest get 503) and a
 *       monitor probing from the exempt network;</li>
 *   <li>{@code payments}: steady calls, so the breaker judges the provider's script (502s, then hangs answered at
 *       the 1 s deadline), opens, sends half-open probes and closes again;</li>
 *   <li>{@code search}: the adaptive limit under steady load and overload bursts, with critical, default and
 *       sheddable queries;</li>
 *   <li>{@code api-default} and the {@code /api/v2} annotations: a scraper past the per-IP limits (and the shadow
 *       limit's would-reject), rates of a slow currency answered by the fallback at the deadline, and bursts of
 *       conversions past the async throttle.</li>
 * </ul>
 *
 * <p>Distinct clients: the demo trusts loopback as a proxy (see {@code trusted-proxies} in its {@code seawall.yaml},
 * a demo-only setting), and each synthetic client sends {@code X-Forwarded-For} with its own address from the
 * documentation ranges: customers from 198.51.100.0/24, the monitor from 192.0.2.0/28, the abusers from
 * 203.0.113.0/24. So per-IP limits see many clients, as behind a real proxy, and do not hide the throttles. Talks
 * only to the demo on 127.0.0.1.
 *
 * <p>Slow requests (reports, payments, search, conversions) are sent asynchronously and never waited for, so a
 * round takes milliseconds; at most {@value #MAX_OUTSTANDING} are outstanding at once (beyond that a round sends
 * fewer). Thread-safe: {@link #round()} may be called from any thread; {@link #stop()} ends the background rounds.
 */
final class DemoTraffic {

    static final int MAX_OUTSTANDING = 400;
    static final String STUFFER = "203.0.113.66";
    static final String SCRAPER = "203.0.113.99";
    static final String MONITOR = "192.0.2.5";
    static final String PRO_CUSTOMER = "198.51.100.20";
    static final String FREE_CUSTOMER = "198.51.100.30";

    private final String base;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong rounds = new AtomicLong();
    private final Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    private final Random random = new Random(31);
    private volatile Thread loop;

    DemoTraffic(String base) {
        this.base = base;
    }

    /** Starts a round a second on a daemon thread, until {@link #stop()}. */
    void start() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            while (running.get()) {
                try {
                    round();
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the demo server may be stopping; keep going until told to stop
                }
            }
        }, "demo-traffic");
        t.setDaemon(true);
        loop = t;
        t.start();
    }

    void stop() {
        running.set(false);
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
    }

    /** @return rounds sent so far */
    long rounds() {
        return rounds.get();
    }

    /**
     * Sends one round: the quick requests are answered when it returns, the slow ones are under way.
     *
     * @throws Exception when the demo cannot be reached
     */
    void round() throws Exception {
        long n = rounds.getAndIncrement();
        login(n);
        catalog(n);
        orders(n);
        reports(n);
        payments();
        search(n);
        apiDefaultAndAnnotations(n);
    }

    private void login(long n) throws Exception {
        send(post("/login"), STUFFER); // refused after 5 a minute
        if (n % 3 == 0) {
            send(post("/login"), customer());
        }
    }

    private void catalog(long n) throws Exception {
        send(get("/api/catalog").header("X-API-Key", "demo-pro-key"), PRO_CUSTOMER);
        send(get("/api/catalog").header("X-API-Key", "demo-free-key"), FREE_CUSTOMER);
        if (n % 5 == 0) {
            send(get("/api/catalog"), customer()); // 401: no key
        }
        if (n % 7 == 3) {
            // the database fails for these two: the pro caller's copy of /api/catalog is served
            // (X-Data-Source: cache); a page no one read before gets the static answer (X-Data-Source: fallback)
            send(get("/api/catalog").header("X-API-Key", "demo-pro-key").header("X-Demo-Fail", "1"), PRO_CUSTOMER);
            send(get("/api/catalog?page=" + n).header("X-API-Key", "demo-pro-key").header("X-Demo-Fail", "1"),
                    PRO_CUSTOMER);
        }
    }

    private void orders(long n) throws Exception {
        String alice = basic("alice", "alice-pw");
        // alice, once a round: past her 10 a minute, and with bob past acme's 20 a minute
        send(get("/api/orders").header("Authorization", alice).header("X-Tenant-ID", n % 2 == 0 ? "acme" : "globex"),
                customer());
        if (n % 3 == 0) {
            send(get("/api/orders").header("Authorization", basic("bob", "bob-pw")).header("X-Tenant-ID", "acme"),
                    customer());
        }
        if (n % 4 == 1) {
            // a burst past alice's 2 a second
            for (int i = 0; i < 4; i++) {
                send(get("/api/orders").header("Authorization", alice).header("X-Tenant-ID", "acme"), customer());
            }
        }
        if (n % 10 == 5) {
            send(get("/api/orders").header("Authorization", alice).header("X-Tenant-ID", "../etc"), customer()); // 400
        }
        if (n % 15 == 2 || n % 15 == 3) {
            // carol places an order, and her client retries it with the same key a second later: the retry gets the
            // first answer back (Idempotent-Replayed: true). Her own tenant and 8 calls a minute keep both within
            // the limits, so the limits never hide the replay.
            String key = "\"demo-order-" + (n / 15) + "\"";
            send(post("/api/orders", "{\"sku\":\"sw-001\"}").header("Authorization", basic("carol", "carol-pw"))
                    .header("X-Tenant-ID", "initech").header("Idempotency-Key", key), customer());
        }
    }

    private void reports(long n) {
        if (n % 6 == 0) {
            // 14 clients at once: two run (2 s each), ten wait without a thread, two get 503 at once
            for (int i = 0; i < 14; i++) {
                HttpRequest.Builder b = get("/api/reports");
                if (i % 5 == 0) {
                    b.header("X-Priority", "high");
                }
                sendAsync(b, customer());
            }
        }
        if (n % 5 == 0) {
            sendAsync(get("/api/reports/health"), MONITOR);  // exempt path
            sendAsync(get("/api/reports"), MONITOR);         // exempt network: skips the limit and the queue
        }
    }

    private void payments() {
        sendAsync(get("/api/payments"), customer());
        sendAsync(get("/api/payments"), customer());
    }

    private void search(long n) {
        int count = n % 10 == 9 ? 120 : 12; // an overload burst now and then: the limit and shedding at work
        for (int i = 0; i < count; i++) {
            int kind = random.nextInt(10);
            HttpRequest.Builder b = get(kind < 3 ? "/api/search/suggest?q=br" : "/api/search?q=breakwater");
            if (kind >= 8) {
                b.header("X-Criticality", "critical"); // set by the (trusted) proxy for checkout searches
            }
            sendAsync(b, customer());
        }
    }

    private void apiDefaultAndAnnotations(long n) throws Exception {
        send(get("/api/anything"), customer());
        // a scraper: past the annotation's 10 a minute, the default 60 a minute and the shadow 20 a minute
        for (int i = 0; i < 3; i++) {
            send(get("/api/v2/rates"), SCRAPER);
        }
        if (n % 3 == 0) {
            send(get("/api/v2/rates/USD"), customer());
        }
        if (n % 5 == 2) {
            sendAsync(get("/api/v2/rates/XAU"), customer()); // the fallback at the 800 ms deadline
        }
        if (n % 8 == 4) {
            for (int i = 0; i < 16; i++) { // two at once, ten waiting up to 2 s: the rest get 503
                sendAsync(get("/api/v2/convert?from=EUR&to=USD&amount=" + (100 + i)), customer());
            }
        }
    }

    /** A customer's address: one of 254 in 198.51.100.0/24. */
    private String customer() {
        synchronized (random) {
            return "198.51.100." + (1 + random.nextInt(254));
        }
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).GET();
    }

    private HttpRequest.Builder post(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody());
    }

    private HttpRequest.Builder post(String path, String json) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private void send(HttpRequest.Builder b, String clientAddress) throws Exception {
        client.send(b.header("X-Forwarded-For", clientAddress).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    private void sendAsync(HttpRequest.Builder b, String clientAddress) {
        if (!outstanding.tryAcquire()) {
            return; // the demo is slower than the traffic: send less rather than pile up
        }
        CompletableFuture<HttpResponse<Void>> f;
        try {
            f = client.sendAsync(b.header("X-Forwarded-For", clientAddress).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (RuntimeException e) {
            outstanding.release();
            throw e;
        }
        f.whenComplete((r, e) -> outstanding.release());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
