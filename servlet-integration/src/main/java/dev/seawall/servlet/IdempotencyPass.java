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
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The idempotency step of one request under a policy with {@code idempotency}, in front of the policy's chain: the
 * servlet side of {@link IdempotencyGuard}'s protocol (its class comment). It only translates: the guard decides.
 * <ol>
 *   <li>The key is opened; a 400 is written as problem+json.</li>
 *   <li>A request with a key has its body read, at most {@code max-body} bytes (more: 413; a body whose declared
 *       length is larger is refused unread). A read that fails is a client gone mid-upload: nothing was claimed, and
 *       the exception goes to the container.</li>
 *   <li>The key is claimed: a refusal (409, 422, 503) is written as problem+json, a replay as it was kept. A request
 *       that runs goes through the policy's chain exactly as without idempotency, with a {@link ReplayedRequest} that
 *       serves the body read, and a {@link TeeResponse} that copies the answer.</li>
 *   <li>Settlement, exactly once, when the application ended and its answer went out: when the pass returns, or for a
 *       request that went asynchronous (the application's cycle, or a throttle's wait) when its cycle completes. The
 *       answer is kept ({@link Claim#finish}) when the application ran and the answer is known; the key is freed
 *       ({@link Claim#release}) when the chain refused the request (the application never ran: a stage of this or an
 *       inner Seawall filter refused it, or its wait in a queue ended unresumed), when an exception went to the
 *       container, when the async cycle timed out or failed (the container answers), or when the answer was handed to
 *       the container by {@code sendError}.</li>
 * </ol>
 * Stacked Seawall filters: the first one whose policy protects the request does this; it marks the request
 * ({@link #ATTRIBUTE}), and the others pass it to their chain as usual. Forwards, includes and error dispatches never
 * reach this step ({@link PolicyRunner} admits only REQUEST passes).
 *
 * <p>Thread-safety: made and run on the request's thread; its listener settles on whichever thread the container
 * completes the cycle; the flags it reads there are volatile and the claim settles once.
 */
final class IdempotencyPass {

    /**
     * Request attribute marking a request whose idempotency key a Seawall filter took care of: {@code Boolean.TRUE}, or
     * the pass holding the key, which the ASYNC dispatch resuming a throttled request finds again.
     */
    static final String ATTRIBUTE = "dev.seawall.idempotency";

    private final Claim claim;
    private final HttpServletRequest containerRequest;
    final ReplayedRequest request;
    final TeeResponse response;
    /** The chain this pass handed on was called: the request passed every stage of the policy. */
    private volatile boolean reached;
    /** An inner Seawall filter refused the request during a chain call of this pass. */
    private volatile boolean refusedInside;
    /** The async cycle timed out or failed: the container answers, and the answer is unknown. */
    private volatile boolean unknown;

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
        byte[] body = read(request.getInputStream(), declared, max);
        int length = body.length;
        if (length > max) {
            refuse(request, response, entry.bodyTooLarge(), outermost);
            return;
        }
        Decision decision = entry.claim(view, body, length);
        switch (decision.kind()) {
            case REFUSE -> refuse(request, response, decision.rejection(), outermost);
            case REPLAY -> {
                RefusalSignal.answeredInside();
                replay(response, decision.replay());
            }
            case UNPROTECTED -> runner.admit(engine, policy, view, new ServletCall(engine,
                    new ReplayedRequest(request, body, length, response), response, call.chain()), position);
            default -> runClaimed(runner, decision.claim(), policy, view, call, body, length, position);
        }
    }

    private static void runClaimed(PolicyRunner runner, Claim claim, Policy policy, ServletRequestView view,
                                   ServletCall call, byte[] body, int length, int position)
            throws IOException, ServletException {
        HttpServletRequest request = call.request();
        TeeResponse tee;
        IdempotencyPass pass;
        try {
            tee = new TeeResponse(call.response(), claim.headers(), claim.maxResponse());
            pass = new IdempotencyPass(claim, request, new ReplayedRequest(request, body, length, tee), tee);
            request.setAttribute(ATTRIBUTE, pass);
        } catch (RuntimeException | Error e) {
            claim.release();
            throw e;
        }
        boolean settleHere = true;
        try {
            runner.admit(call.engine(), policy, view,
                    new ServletCall(call.engine(), pass.request, tee, pass.chain(call.chain())), position);
            settleHere = !pass.settleWhenCycleEnds();
        } catch (IOException | ServletException | RuntimeException | Error e) {
            // the container answers the exception: the answer is unknown
            pass.unknown = true;
            throw e;
        } finally {
            if (settleHere) {
                pass.settle();
            }
        }
    }

    /**
     * @return true when the request went asynchronous and a listener settles it when its cycle completes; false when
     *         it did not (or its cycle already ended), and the caller settles now
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

    /** Keeps the answer or frees the key; at most once (the claim ignores later calls). Never throws. */
    void settle() {
        if (claim.settled()) {
            return;
        }
        try {
            if (!applicationRan() || unknown || response.handedOff()) {
                claim.release();
                return;
            }
            TeeResponse.Answer a = response.answer();
            claim.finish(a.status(), a.headers(), a.body(), a.length());
        } catch (RuntimeException | Error e) {
            claim.release();
            throw e;
        }
    }

    private boolean applicationRan() {
        return reached && !refusedInside && !RefusalSignal.wasRefusedAfterWait(containerRequest)
                && containerRequest.getAttribute(ThrottleWait.WAITING_ATTRIBUTE) == null;
    }

    /** @return the first {@code max + 1} bytes of the body at most (more means too large) */
    static byte[] read(InputStream in, long declared, int max) throws IOException {
        int cap = max == Integer.MAX_VALUE ? max : max + 1;
        byte[] buf = new byte[(int) Math.min(cap, declared >= 0 ? Math.max(declared, 1) : 8192)];
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

    /** Settles the key when the request's async cycle ends. Thread-safe: the claim settles once. */
    private final class Listener implements AsyncListener {

        private boolean waiting() {
            return containerRequest.getAttribute(ThrottleWait.WAITING_ATTRIBUTE) != null;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            settle();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            if (!waiting()) {
                // the application's cycle timed out: the container answers it (onComplete follows)
                unknown = true;
            }
        }

        @Override
        public void onError(AsyncEvent event) {
            // the client went away, or the container failed the cycle: the answer is unknown (onComplete follows; a
            // wait in a queue that ends so never reached the application either)
            unknown = true;
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // a re-started cycle keeps the listener only if re-added
            event.getAsyncContext().addListener(this);
        }
    }
}
