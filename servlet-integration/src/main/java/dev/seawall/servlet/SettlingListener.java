package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exchange;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.timeout.ResponseGate;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Settles a request whose application went asynchronous when its cycle really ends (complete, timeout, error): the
 * permits of the exchange are completed with the outcome, or given back when the request never reached the
 * application (an inner Seawall filter refused it after its wait, or its wait ended without resuming). Thread-safe:
 * the container calls it on any thread, and the exchange makes repeated events harmless.
 */
final class SettlingListener implements AsyncListener {
    private final Seawall engine;
    private final Exchange exchange;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final long appStart;
    private final ResponseGate gate;

    SettlingListener(Seawall engine, Exchange exchange, HttpServletRequest request, HttpServletResponse response,
                     long appStart, ResponseGate gate) {
        this.engine = engine;
        this.exchange = exchange;
        this.request = request;
        this.response = response;
        this.appStart = appStart;
        this.gate = gate;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        if (request.getAttribute(PolicyRunner.REFUSED_AFTER_WAIT_ATTRIBUTE) != null
                || request.getAttribute(PolicyRunner.WAITING_ATTRIBUTE) != null) {
            // an inner Seawall filter refused it after its wait, or its wait ended without resuming (abandoned,
            // or answered by the container): it never reached the application. (Where the inner filter is not
            // mapped for ASYNC the application does run after the wait, unadmitted; that filter warns about it.)
            exchange.release();
            return;
        }
        exchange.complete(new Outcome(response.getStatus(), null, appStart, engine.clock().nanoTime(),
                gate != null && gate.deadlinePassed()));
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        if (request.getAttribute(PolicyRunner.WAITING_ATTRIBUTE) != null) {
            // the expiry of an inner Seawall filter's queue wait, not the application's: its ASYNC dispatch answers
            // the request, and onComplete settles it
            return;
        }
        exchange.complete(new Outcome(PolicyRunner.statusOf(response, event.getThrowable()), event.getThrowable(),
                appStart, engine.clock().nanoTime(), true));
    }

    @Override
    public void onError(AsyncEvent event) {
        if (request.getAttribute(PolicyRunner.WAITING_ATTRIBUTE) != null) {
            // the client went away while an inner Seawall filter's queue held the request: it never ran
            exchange.release();
            return;
        }
        Throwable t = event.getThrowable();
        exchange.complete(new Outcome(t == null ? response.getStatus() : 500, t, appStart,
                engine.clock().nanoTime(), false));
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // a re-started async cycle keeps the listener only if re-added
        event.getAsyncContext().addListener(this);
    }
}
