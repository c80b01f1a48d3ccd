package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.http.Rejection;
import dev.seawall.core.internal.idempotency.Claim;
import dev.seawall.core.internal.idempotency.Decision;
import dev.seawall.core.internal.idempotency.IdempotencyGuard;
import dev.seawall.core.internal.idempotency.KeyEntry;
import dev.seawall.core.policy.Policy;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The idempotency step of one request under a policy with {@code idempotency}, in front of the policy's chain: the
 * servlet side of {@link IdempotencyGuard}'s protocol (its class comment). It only translates: the guard decides.
 * <ol>
 *   <li>The key is opened; a 400 is written as problem+json.</li>
 *   <li>A request with a key has its body read, at most {@code max-body} bytes (more: 413; a body whose declared
 *       length is larger is refused unread). The buffer grows with the bytes that arrive, never with what the client
 *       declared. A read that fails is a client gone mid-upload: nothing was claimed, and the exception goes to the
 *       container. A form POST whose body a filter in front already consumed (it read the parameters: nothing is left
 *       although a length was declared, or it was chunked) is fingerprinted by the container's parameters (names
 *       sorted, values in order), and the application reads them from the container.</li>
 *   <li>The key is claimed: a refusal (409, 422, 503) is written as problem+json, a replay as it was kept. A request
 *       that runs goes through the policy's chain exactly as without idempotency, with a {@link ReplayedRequest} that
 *       serves the body read, and a {@link TeeResponse} that copies the answer.</li>
 *   <li>Settlement, exactly once, when both happened: the answer went out (the pass returned; for a request that went
 *       asynchronous, its cycle completed) and the application truly ended, as the {@link FilterPass} that ran it
 *       reports at its own settlement (after the work it continued on threads of its own, {@link HandlerWork}):
 *       <ul>
 *         <li>it never ran (the chain refused it, its wait in a queue ended unresumed): the key is freed;</li>
 *         <li>it may still run (Seawall's deadline answer or the container's timeout or error ended its async cycle,
 *             and no {@link HandlerWork} follows it): the key stays held until its lease ends;</li>
 *         <li>it ended: {@link Claim#finish(int, Throwable, int, java.util.List, byte[], int)} decides on its own
 *             status and failure, with the answer sent; an answer whose write failed (the client left) or that the
 *             container wrote in its place (timeout, error) is not whole, so a kept outcome leaves a marker. An answer
 *             handed to the container by {@code sendError} frees the key.</li>
 *       </ul>
 *       Should no pass report (the chain failed before it ran the application), the answer alone decides, as a
 *       backstop: freed unless the application was reached.</li>
 * </ol>
 * Stacked Seawall filters: the first one whose policy protects the request does this; it marks the request
 * ({@link #ATTRIBUTE}), and the others pass it to their chain as usual. Forwards, includes and error dispatches never
 * reach this step ({@link PolicyRunner} admits only REQUEST passes).
 *
 * <p>Thread-safety: made on the request's thread; the answer's end and the application's end may be reported on any
 * thread (the container's listener, a work's thread); the flags are volatile, the first report wins, and the
 * settlement runs once.
 */
final class IdempotencyPass {

    /**
     * Request attribute marking a request whose idempotency key a Seawall filter took care of: {@code Boolean.TRUE}, or
     * the pass holding the key, which the ASYNC dispatch resuming a throttled request finds again.
     */
    static final String ATTRIBUTE = "dev.seawall.idempotency";
    /** The body buffer's first size: it doubles as bytes arrive, up to {@code max-body} + 1. */
    static final int FIRST_READ = 8192;

    /** How the application ended, as its {@link FilterPass} reports it. Immutable. */
    static final class End {
        /** The application never ran: the chain refused the request. */
        static final End NEVER_RAN = new End(0, null);
        /** The application may still run, and its end will not be reported. */
        static final End UNKNOWN = new End(0, null);

        final int status;
        final Throwable failure;

        private End(int status, Throwable failure) {
            this.status = status;
            this.failure = failure;
        }

        /** The application ended with its own {@code status}, or {@code failure}. */
        static End ran(int status, Throwable failure) {
            return new End(status, failure);
        }
    }

    private final Claim claim;
    private final HttpServletRequest containerRequest;
    final ReplayedRequest request;
    final TeeResponse response;
    /** The chain this pass handed on was called: the request passed every stage of the policy. */
    private volatile boolean reached;
    /** An inner Seawall filter refused the request during a chain call of this pass. */
    private volatile boolean refusedInside;
    /** An exception went to the container: the answer is unknown (the backstop frees the key). */
    private volatile boolean unknown;
    /** The async cycle timed out or failed: the container answered, or the client left; the answer is not whole. */
    private volatile boolean incomplete;
    /** The answer went out: the pass returned, or the async cycle completed. */
    private volatile boolean answered;
    /** A {@link FilterPass} reports the application's end to this pass. */
    private final AtomicBoolean bound = new AtomicBoolean();
    /** The bound pass ran the application: it reports, now or later. */
    private volatile boolean promised;
    private final AtomicReference<End> end = new AtomicReference<>();
    /**
     * The buffered context of an inner Seawall filter (stacked filters: a standalone filter that buffers behind the one
     * holding the key), whose response knows the application's own status and whether its deadline answered; the
     * first one made counts. Null when the bound pass owns the context, or none buffers.
     */
    private volatile ResponseContext inner;
    /** The answer as it went out, copied when it did; null before, or when it could not be read. */
    private volatile TeeResponse.Answer sent;
    private final AtomicBoolean settling = new AtomicBoolean();

    private IdempotencyPass(Claim claim, HttpServletRequest containerRequest, ReplayedRequest request,
                            TeeResponse response) {
        this.claim = claim;
        this.containerRequest = containerRequest;
        this.request = request;
        this.response = response;
    }

    /**
     * Runs the request's idempotency step, then (unless it answered) the policy's chain through {@code runner}.
     *
     * @param position the filter's {@link FilterStack} position
     */
    static void run(PolicyRunner runner, IdempotencyGuard guard, Policy policy, ServletRequestView view,
                    ServletCall call, int position) throws IOException, ServletException {
        HttpServletRequest request = call.request();
        HttpServletResponse response = call.response();
        Seawall engine = call.engine();
        if (request.getAttribute(ATTRIBUTE) != null) {
            // an outer Seawall filter holds the key (or decided it needs none): never claimed twice
            runner.admit(engine, policy, view, call, position);
            return;
        }
        boolean outermost = position == FilterStack.OUTERMOST;
        KeyEntry entry = guard.open(view);
        if (entry.rejection() != null) {
            refuse(request, response, entry.rejection(), outermost);
            return;
        }
        if (!entry.protects()) {
            runner.admit(engine, policy, view, call, position);
            return;
        }
        request.setAttribute(ATTRIBUTE, Boolean.TRUE);
        int max = guard.maxBody();
        long declared = request.getContentLengthLong();
        if (declared > max) {
            refuse(request, response, entry.bodyTooLarge(), outermost);
            return;
        }
        // a failed read is the client gone mid-upload: nothing is claimed, and the container sees the exception
        byte[] body = readBody(request, max);
        int length = body.length;
        if (length > max) {
            refuse(request, response, entry.bodyTooLarge(), outermost);
            return;
        }
        // (a chunked form's length is unknown: an empty one has only the query's parameters, which the container
        // serves the same)
        boolean parsedUpstream = length == 0 && declared != 0 && ReplayedRequest.isForm(request);
        // a filter in front read the form's parameters (Spring Security's CSRF check does): the body is gone, and
        // the container's parameters are what the application will see, so they stand for it in the fingerprint
        byte[] fingerprinted = parsedUpstream ? canonicalParameters(request) : body;
        Decision decision = entry.claim(view, fingerprinted, fingerprinted.length);
        switch (decision.kind()) {
            case REFUSE -> refuse(request, response, decision.rejection(), outermost);
            case REPLAY -> {
                RefusalSignal.answeredInside();
                replay(response, decision.replay());
            }
            case UNPROTECTED -> runner.admit(engine, policy, view, new ServletCall(engine,
                    new ReplayedRequest(request, body, length, response, parsedUpstream), response, call.chain()),
                    position);
            default -> runClaimed(runner, decision.claim(), policy, view, call, body, length, parsedUpstream,
                    position);
        }
    }

    private static byte[] readBody(HttpServletRequest request, int max) throws IOException {
        InputStream in;
        try {
            in = request.getInputStream();
        } catch (IllegalStateException readerUsed) {
            // a filter in front took the reader: nothing is left to read
            return new byte[0];
        }
        return read(in, max);
    }

    /**
     * @return the container's parameters as {@code name=value&...} (percent-encoded in UTF-8), names sorted, each
     *         name's values in their order
     */
    static byte[] canonicalParameters(HttpServletRequest request) {
        Map<String, String[]> params = new TreeMap<>(request.getParameterMap());
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String[]> e : params.entrySet()) {
            String name = URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8);
            String[] values = e.getValue() == null ? new String[0] : e.getValue();
            for (String v : values) {
                if (out.length() > 0) {
                    out.append('&');
                }
                out.append(name).append('=').append(URLEncoder.encode(v == null ? "" : v, StandardCharsets.UTF_8));
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void runClaimed(PolicyRunner runner, Claim claim, Policy policy, ServletRequestView view,
                                   ServletCall call, byte[] body, int length, boolean parsedUpstream, int position)
            throws IOException, ServletException {
        HttpServletRequest request = call.request();
        TeeResponse tee;
        IdempotencyPass pass;
        try {
            tee = new TeeResponse(call.response(), claim.headers(), claim.maxResponse());
            pass = new IdempotencyPass(claim, request, new ReplayedRequest(request, body, length, tee, parsedUpstream),
                    tee);
            request.setAttribute(ATTRIBUTE, pass);
        } catch (RuntimeException | Error e) {
            claim.release();
            throw e;
        }
        boolean answeredHere = true;
        try {
            runner.admit(call.engine(), policy, view,
                    new ServletCall(call.engine(), pass.request, tee, pass.chain(call.chain())), position, pass);
            answeredHere = !pass.settleWhenCycleEnds();
        } catch (IOException | ServletException | RuntimeException | Error e) {
            // the container answers the exception
            pass.unknown = true;
            throw e;
        } finally {
            if (answeredHere) {
                pass.answered();
            }
        }
    }

    /**
     * @return true when the request went asynchronous and a listener notes when its cycle completes; false when it did
     *         not (or its cycle already ended), and its answer went out now
     */
    private boolean settleWhenCycleEnds() {
        if (!containerRequest.isAsyncStarted()) {
            return false;
        }
        try {
            AsyncContext async = containerRequest.getAsyncContext();
            async.addListener(new Listener());
            return true;
        } catch (IllegalStateException cycleOver) {
            // another thread ended the cycle between isAsyncStarted() and here: no event will come
            return false;
        }
    }

    /** @return {@code next}, noting that the request passed the policy's stages when it is called */
    FilterChain chain(FilterChain next) {
        return (ServletRequest req, ServletResponse res) -> {
            reached = true;
            int mark = RefusalSignal.mark();
            try {
                next.doFilter(req, res);
            } finally {
                if (RefusalSignal.since(mark)) {
                    refusedInside = true;
                }
            }
        };
    }

    // ---- the application's end, from the FilterPass that runs it ----

    /** @return true for the first caller only: the {@link FilterPass} that reports the application's end */
    boolean bind() {
        return bound.compareAndSet(false, true);
    }

    /** An inner Seawall filter made a buffered context for this request: the first one is the application's. */
    void innerContext(ResponseContext context) {
        if (inner == null) {
            inner = context;
        }
    }

    /** @return the buffered context an inner Seawall filter made for the application, or null */
    ResponseContext innerContext() {
        return inner;
    }

    /** The bound pass ran the application: its report comes, now or once the application's work ended. */
    void promise() {
        promised = true;
    }

    /** The application's end (the first report counts). Never throws. */
    void applicationEnded(End e) {
        if (end.compareAndSet(null, e)) {
            trySettle();
        }
    }

    /**
     * The answer went out: its copy is taken now, while the container's response is still this request's (once the
     * cycle completed the container may recycle it before the application's work ends). Never throws.
     */
    void answered() {
        try {
            sent = response.answer();
        } catch (RuntimeException unreadable) {
            sent = null; // not whole: a kept outcome leaves a marker
        }
        answered = true;
        trySettle();
    }

    private void trySettle() {
        if (!answered || claim.settled()) {
            return;
        }
        End e = end.get();
        if (e == null && promised) {
            return; // the application's end comes later: its work still runs
        }
        if (!settling.compareAndSet(false, true)) {
            return;
        }
        try {
            if (e == null) {
                backstop();
            } else if (e == End.NEVER_RAN) {
                claim.release();
            } else if (e == End.UNKNOWN) {
                claim.hold();
            } else {
                finish(e);
            }
        } catch (RuntimeException | Error x) {
            claim.release();
            throw x;
        }
    }

    /** The application ended: its outcome decides, with the answer sent (a marker when that is not whole). */
    private void finish(End e) {
        if (response.handedOff()) {
            // sendError: the container writes the answer (an error page), which Seawall does not see
            claim.release();
            return;
        }
        TeeResponse.Answer a = sent;
        boolean broken = response.broken();
        int status = e.status;
        Throwable failure = e.failure;
        if (broken && response.brokeWith(failure)) {
            // an exception that only carries the client's departure is not the application failing: it ran, and
            // its status is the one it set before the write failed (the container had not answered the exception)
            failure = null;
            status = a != null ? a.status() : status;
        }
        if (a == null) {
            claim.finish(status, failure, status, List.of(), null, 0);
            return;
        }
        boolean whole = !broken && !incomplete;
        claim.finish(status, failure, a.status(), a.headers(), whole ? a.body() : null, whole ? a.length() : 0);
    }

    /** No pass reported (the chain failed before it ran the application): the answer alone decides. */
    private void backstop() {
        TeeResponse.Answer a = sent;
        if (!applicationRan() || unknown || response.handedOff() || a == null) {
            claim.release();
            return;
        }
        boolean whole = !response.broken() && !incomplete;
        claim.finish(a.status(), null, a.status(), a.headers(), whole ? a.body() : null, whole ? a.length() : 0);
    }

    private boolean applicationRan() {
        return reached && !refusedInside && !RefusalSignal.wasRefusedAfterWait(containerRequest)
                && containerRequest.getAttribute(ThrottleWait.WAITING_ATTRIBUTE) == null;
    }

    /**
     * @return the first {@code max + 1} bytes of the body at most (more means too large); the buffer starts at
     *         {@link #FIRST_READ} bytes and doubles as bytes arrive, so a declared length costs nothing until sent
     */
    static byte[] read(InputStream in, int max) throws IOException {
        int cap = max == Integer.MAX_VALUE ? max : max + 1;
        byte[] buf = new byte[Math.min(cap, FIRST_READ)];
        int len = 0;
        while (len < cap) {
            if (len == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(cap, 2L * buf.length));
            }
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                break;
            }
            len += n;
        }
        return len == buf.length ? buf : Arrays.copyOf(buf, len);
    }

    /** Writes a refusal of the idempotency step, and tells outer Seawall filters the application never ran. */
    private static void refuse(HttpServletRequest request, HttpServletResponse response, Rejection rejection,
                               boolean outermost) throws IOException {
        ResponseContext outer = !outermost && request.getAttribute(ResponseContext.ATTRIBUTE) instanceof ResponseContext c
                && !c.decided() ? c : null;
        RefusalSignal.refused(rejection, outer);
        ResponseHeaders.writeRejection(response, rejection, outermost);
    }

    /** Writes a kept answer: its status, its headers (a name's first value replaces, later ones add) and its body. */
    static void replay(HttpServletResponse response, Decision.Replay replay) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.setStatus(replay.status());
        Set<String> seen = new HashSet<>();
        for (Rejection.Header h : replay.headers()) {
            if (seen.add(h.name().toLowerCase(Locale.ROOT))) {
                response.setHeader(h.name(), h.value());
            } else {
                response.addHeader(h.name(), h.value());
            }
        }
        byte[] body = replay.body();
        response.setContentLength(body.length);
        if (body.length > 0) {
            response.getOutputStream().write(body);
        }
    }

    /** Notes when the request's async cycle ends (the answer went out). Thread-safe: the claim settles once. */
    private final class Listener implements AsyncListener {

        private boolean waiting() {
            return containerRequest.getAttribute(ThrottleWait.WAITING_ATTRIBUTE) != null;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            answered();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            if (!waiting()) {
                // the application's cycle timed out: the container answers it (onComplete follows)
                incomplete = true;
                unknown = true;
            }
        }

        @Override
        public void onError(AsyncEvent event) {
            // the client went away, or the container failed the cycle: what the client got is unknown (onComplete
            // follows; a wait in a queue that ends so never reached the application, and its key is freed)
            incomplete = true;
            unknown = true;
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // a re-started cycle keeps the listener only if re-added
            event.getAsyncContext().addListener(this);
        }
    }
}
