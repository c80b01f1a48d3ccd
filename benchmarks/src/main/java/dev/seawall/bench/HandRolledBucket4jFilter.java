package dev.seawall.bench;

import io.github.bucket4j.Bucket;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-IP rate limit many teams write by hand: a {@code ConcurrentHashMap} from {@code getRemoteAddr()} to a
 * Bucket4j bucket, 429 with a short body when the bucket is empty. Kept deliberately as plain as the blog-post
 * version (which is what the comparison is about): its map is unbounded and never evicts, it trusts whatever
 * the connector put in {@code getRemoteAddr()}, and it sends no rate-limit headers.
 *
 * <p>Thread-safe: the map and Bucket4j's local buckets are.
 */
public final class HandRolledBucket4jFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;
    private static final byte[] TOO_MANY = "Too many requests\n".getBytes(StandardCharsets.US_ASCII);

    private final long capacity;
    private final Duration period;
    private final transient ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** {@code capacity} requests per {@code period} per client address, refilled greedily. */
    public HandRolledBucket4jFilter(long capacity, Duration period) {
        this.capacity = capacity;
        this.period = period;
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        Bucket bucket = buckets.computeIfAbsent(req.getRemoteAddr(), k -> Bucket.builder()
                .addLimit(l -> l.capacity(capacity).refillGreedy(capacity, period)).build());
        if (bucket.tryConsume(1)) {
            chain.doFilter(req, res);
        } else {
            res.setStatus(429);
            res.setContentType("text/plain");
            res.setContentLength(TOO_MANY.length);
            res.getOutputStream().write(TOO_MANY);
        }
    }

    /** Buckets held: one per address ever seen. */
    public int size() {
        return buckets.size();
    }
}
