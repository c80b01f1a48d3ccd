package dev.seawall.core.event;

/**
 * Receives what Seawall did. Every method has a no-op default: implement those you need.
 *
 * <p><b>When and where.</b> A listener is called synchronously, on the thread whose work produced the event (a request
 * thread for refusals, fallbacks and breaker transitions caused by a call; Seawall's deadline thread for a timeout
 * answered at its deadline; the reload's thread for a reload; the shared store's thread for its health), after
 * Seawall's own bookkeeping and never while Seawall holds a lock. A refusal's event is delivered before its response
 * is written. Keep listeners fast and non-blocking: hand slow work (a message to a chat room, a database row) to your
 * own executor.
 *
 * <p><b>Order.</b> Listeners are called in registration order (for the Spring Boot starter: the beans' {@code @Order});
 * each event reaches every listener once.
 *
 * <p><b>Errors.</b> A listener that throws a {@link RuntimeException} never breaks a request or a reload: the exception
 * is caught, counted in {@code seawall.listener.failures{listener=<class simple name>}} and logged once per listener
 * (at WARN, with its stack trace); the next listeners still receive the event.
 *
 * <p><b>Thread-safety.</b> Implementations must be thread-safe: many threads may call one listener at once.
 *
 * <p>Events never carry a client's address, API key, user or tenant: only policy, stage and breaker names and
 * constant problem fields.
 */
public interface SeawallListener {

    /** A circuit breaker changed state. */
    default void onBreakerTransition(BreakerTransition event) {
    }

    /** A stage of a policy refused a request (before any fallback answers it; see {@link #onFallback}). */
    default void onRefusal(Refusal event) {
    }

    /** A policy's fallback (a stale copy or the fallback response) answered in place of the application or a refusal. */
    default void onFallback(FallbackServed event) {
    }

    /** A policy's timeout answered a request at its deadline (with the timeout problem or a fallback). */
    default void onTimeout(TimeoutAnswered event) {
    }

    /** A new version of the configuration was applied, or refused while the running one stays. */
    default void onReload(ConfigReload event) {
    }

    /** A shared store (e.g. Redis) became unreachable or reachable again. */
    default void onStoreHealth(StoreHealth event) {
    }
}
