package dev.seawall.servlet;

import dev.seawall.core.http.HeaderSink;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.problem.ProblemRenderer;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Copies engine output onto a servlet response. Stateless and thread-safe.
 *
 * <p>{@code RateLimit} and {@code RateLimit-Policy} are Structured Field <em>lists</em>: when several
 * stacked Seawall filters each add their limits, the values are joined with {@code ", "} exactly as
 * RFC 9651 combines repeated field lines, so stacked filters produce the same header as one
 * {@link SeawallFilter} holding all limits.
 */
final class ResponseHeaders implements HeaderSink {

    private final HttpServletResponse response;
    private final boolean listsAbsent;

    ResponseHeaders(HttpServletResponse response) {
        this(response, false);
    }

    /**
     * @param listsAbsent whether no Seawall filter can have written a list header on this response yet (the
     *                    outermost Seawall filter on its REQUEST pass): then the list headers are added without
     *                    searching the response's fields for a value to join (a search per header showed in
     *                    profiles). Another component that wrote one earlier then gets a second field line, which
     *                    RFC 9110 section 5.3 makes equivalent to the joined value.
     */
    ResponseHeaders(HttpServletResponse response, boolean listsAbsent) {
        this.response = response;
        this.listsAbsent = listsAbsent;
    }

    @Override
    public void set(String name, String value) {
        put(response, name, value, listsAbsent);
    }

    static void put(HttpServletResponse response, String name, String value) {
        put(response, name, value, false);
    }

    private static void put(HttpServletResponse response, String name, String value, boolean listsAbsent) {
        if (isListHeader(name)) {
            if (listsAbsent) {
                response.addHeader(name, value);
                return;
            }
            java.util.Collection<String> lines = response.getHeaders(name);
            if (lines.isEmpty()) {
                // known absent: adding skips the container's search for a field to replace
                response.addHeader(name, value);
                return;
            }
            // every earlier line is kept (another component may have written its own), joined into one
            StringBuilder joined = new StringBuilder();
            for (String line : lines) {
                if (line != null && !line.isEmpty()) {
                    joined.append(line).append(", ");
                }
            }
            response.setHeader(name, joined.append(value).toString());
            return;
        }
        response.setHeader(name, value);
    }

    static boolean isListHeader(String name) {
        return name.equalsIgnoreCase("RateLimit") || name.equalsIgnoreCase("RateLimit-Policy");
    }

    /**
     * Writes a rejection as {@code application/problem+json} with {@code Cache-Control: no-store}.
     * Headers set earlier by outer Seawall filters are kept (no {@code reset()}), so their rate-limit
     * headers still reach the client.
     *
     * @return false when the response was already committed and nothing could be written
     */
    static boolean writeRejection(HttpServletResponse response, Rejection rejection) throws IOException {
        return writeRejection(response, rejection, false);
    }

    /** @param listsAbsent as for {@link #ResponseHeaders(HttpServletResponse, boolean)} */
    static boolean writeRejection(HttpServletResponse response, Rejection rejection, boolean listsAbsent)
            throws IOException {
        if (response.isCommitted()) {
            return false;
        }
        byte[] body = ProblemRenderer.renderShared(rejection);
        response.setStatus(rejection.status());
        for (Rejection.Header h : rejection.headers()) {
            put(response, h.name(), h.value(), listsAbsent);
        }
        response.setHeader("Cache-Control", "no-store");
        response.setContentType(ProblemRenderer.CONTENT_TYPE);
        response.setContentLength(body.length);
        OutputStream out = response.getOutputStream();
        // no flush: the container commits when the filter chain returns, after outer Seawall filters have
        // settled their permits, so a client never sees the answer before the accounting is done
        out.write(body);
        return true;
    }
}
