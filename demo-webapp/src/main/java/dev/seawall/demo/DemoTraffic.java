package dev.seawall.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Synthetic users for the demo, so that the status page shows every policy at work without anyone typing
 * curl: a login brute-forcer, free and pro catalog clients, tenants ordering as alice and bob, bursts of
 * report requests, and a payments client meeting the flaky provider. Talks only to the demo on 127.0.0.1.
 *
 * <p>Thread-safe; {@link #stop()} ends every client within its think time.
 */
final class DemoTraffic {

    private final String base;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    DemoTraffic(String base) {
        this.base = base;
    }

    void start() {
        user("login-bruteforce", 400, r -> post("/login"));
        user("catalog-free", 700, r -> get("/api/catalog", "X-API-Key", "demo-free-key"));
        user("catalog-pro", 150, r -> get("/api/catalog", "X-API-Key", "demo-pro-key"));
        user("catalog-nokey", 3000, r -> get("/api/catalog"));
        user("orders-alice", 300, r -> get("/api/orders", "Authorization", basic("alice", "alice-pw"),
                "X-Tenant-ID", r.nextBoolean() ? "acme" : "globex"));
        user("orders-bob", 800, r -> get("/api/orders", "Authorization", basic("bob", "bob-pw"), "X-Tenant-ID", "acme"));
        for (int i = 0; i < 6; i++) {
            user("reports-" + i, 500, r -> get("/api/reports", "X-Priority", r.nextInt(4) == 0 ? "high" : "normal"));
        }
        user("payments", 250, r -> get("/api/payments"));
    }

    void stop() {
        running.set(false);
        threads.forEach(Thread::interrupt);
    }

    private interface Call {
        void run(Random random) throws Exception;
    }

    private void user(String name, long thinkMillis, Call call) {
        Thread t = new Thread(() -> {
            Random random = new Random(name.hashCode());
            while (running.get()) {
                try {
                    call.run(random);
                    Thread.sleep(thinkMillis / 2 + random.nextInt((int) Math.max(1, thinkMillis)));
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the demo server may be stopping; keep trying until told to stop
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }, "demo-traffic-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void get(String path, String... headers) throws Exception {
        send(HttpRequest.newBuilder(URI.create(base + path)).GET(), headers);
    }

    private void post(String path, String... headers) throws Exception {
        send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()), headers);
    }

    private void send(HttpRequest.Builder b, String... headers) throws Exception {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        client.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.discarding());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
