package dev.seawall.demo;

import jakarta.servlet.ServletContext;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The catalog's simulated database: up, or down for every request until an operator brings it back (through
 * {@link CatalogAdminServlet}, the status page's "Catalog database down" button). While it is down the catalog
 * throws, and the catalog policy's fallback answers: each caller's own last good copy ({@code X-Data-Source: cache},
 * with {@code Age}), or the static answer for a caller without one.
 *
 * <p>Thread-safe: one atomic flag and a counter. One instance per web application, shared through the
 * servlet-context attribute {@value #ATTRIBUTE}.
 */
final class CatalogUpstream {

    /** Servlet-context attribute holding the application's catalog upstream. */
    static final String ATTRIBUTE = "dev.seawall.demo.catalogUpstream";

    /**
     * The failure the catalog throws, as a database driver would. Its message must never reach a client (Seawall
     * answers with the fallback); it carries no stack trace, so each failure logs one line, not thirty.
     */
    static final class DatabaseDown extends RuntimeException {
        DatabaseDown() {
            super("catalog database unreachable: jdbc:postgresql://db.internal/catalog", null, false, false);
        }
    }

    private final AtomicBoolean down = new AtomicBoolean();
    private final LongAdder failed = new LongAdder();

    /** The application's upstream, created under the context's lock so two first callers share one. */
    static CatalogUpstream of(ServletContext context) {
        synchronized (context) {
            if (context.getAttribute(ATTRIBUTE) instanceof CatalogUpstream c) {
                return c;
            }
            CatalogUpstream c = new CatalogUpstream();
            context.setAttribute(ATTRIBUTE, c);
            return c;
        }
    }

    boolean down() {
        return down.get();
    }

    void down(boolean value) {
        down.set(value);
    }

    /** Counts one request that found the database down. */
    void failedOne() {
        failed.increment();
    }

    String json() {
        return "{\"down\":" + down.get() + ",\"failed\":" + failed.sum() + "}";
    }
}
