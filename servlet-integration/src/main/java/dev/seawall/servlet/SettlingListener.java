package dev.seawall.servlet;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/**
 * Async settlement: settles a request whose application went asynchronous when its cycle really ends (complete,
 * timeout, error), not when {@code doFilter} returns. The permits are completed with the outcome, or given back when the
 * request never reached the application (an inner Seawall filter refused it after its wait —
 * {@link RefusalSignal#wasRefusedAfterWait} — or its wait ended without resuming: {@link ThrottleWait#WAITING_ATTRIBUTE}).
 *
 * <p>Who calls it: the container, once {@link FilterPass} registered it on an application's async cycle. Thread-safe:
 * the container calls it on any thread, and the exchange's compare-and-set makes repeated events harmless.
 */
final class SettlingListener implements AsyncListener {
    private final FilterPass pass;

    SettlingListener(FilterPass pass) {
        this.pass = pass;
    }

    private boolean waiting() {
        return pass.request().getAttribute(ThrottleWait.WAITING_ATTRIBUTE) != null;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        if (RefusalSignal.wasRefusedAfterWait(pass.request()) || waiting()) {
            // an inner Seawall filter refused it after its wait, or its wait ended without resuming (abandoned,
            // or answered by the container): it never reached the application. (Where the inner filter is not
            // mapped for ASYNC the application does run after the wait, unadmitted; that filter warns about it.)
            pass.release();
            return;
        }
        // a cycle Seawall completed with its deadline answer may end while the application still runs
        pass.complete(pass.response().getStatus(), null, pass.deadlinePassed(), !pass.deadlineAnswered());
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        if (waiting()) {
            // the expiry of an inner Seawall filter's queue wait, not the application's: its ASYNC dispatch answers
            // the request, and onComplete settles it
            return;
        }
        // the container ends the cycle; the application may still run
        pass.complete(FilterPass.statusOf(pass.response(), event.getThrowable()), event.getThrowable(), true, false);
    }

    @Override
    public void onError(AsyncEvent event) {
        if (waiting()) {
            // the client went away while an inner Seawall filter's queue held the request: it never ran
            pass.release();
            return;
        }
        Throwable t = event.getThrowable();
        // the client left or the container failed the cycle; the application may still run
        pass.complete(t == null ? pass.response().getStatus() : 500, t, false, false);
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // a re-started async cycle keeps the listener only if re-added
        event.getAsyncContext().addListener(this);
    }
}
