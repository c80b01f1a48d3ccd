package dev.seawall.core.outbound;

import dev.seawall.core.breaker.Breaker;
import dev.seawall.core.config.ClientConfig;
import dev.seawall.core.internal.outbound.AsyncCall;
import dev.seawall.core.internal.outbound.ClientCore;
import dev.seawall.core.internal.outbound.ClientRuntime;
import dev.seawall.core.internal.outbound.SyncCall;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * One configured client of {@code clients:}: retries with backoff, jitter and a retry budget, {@code Retry-After},
 * a breaker per host, a bulkhead, attempt and total time-outs, hedging, and the inbound request's deadline.
 *
 * <p>Three ways in: {@link #call(Callable)} decorates any blocking work (a database or cache call) on the calling
 * thread; {@link #callAsync(Supplier)} decorates work that returns a {@link CompletionStage}; and
 * {@link #execute(OutboundRequest, Transport, ResponseReader)} is the protocol the HTTP adapters
 * ({@code dev.seawall.client}) use, with statuses and {@code Retry-After}.
 *
 * <p>Thread-safe: one instance serves every thread; state is per client (budget, bulkhead, breakers).
 */
public final class OutboundClient {

    private final ClientCore core;

    OutboundClient(ClientConfig config, ClientRuntime runtime) {
        this.core = new ClientCore(config, runtime);
    }

    /** @return the client's name in {@code clients:} */
    public String name() {
        return core.name();
    }

    /** @return the client's settings */
    public ClientConfig config() {
        return core.config();
    }

    /**
     * Runs {@code work} on the calling thread with the client's protections. A value is a success; an exception is
     * sorted by {@link FailureClassifier#DEFAULT}.
     *
     * @throws Exception the work's last exception when it is not retried, or {@link OutboundException} when nothing
     *                   ran (breaker open, bulkhead full, no time left) or time ran out
     */
    public <T> T call(Callable<T> work) throws Exception {
        return call(work, FailureClassifier.DEFAULT);
    }

    /** Like {@link #call(Callable)}, sorting exceptions with {@code classifier}. */
    public <T> T call(Callable<T> work, FailureClassifier classifier) throws Exception {
        Objects.requireNonNull(work, "work");
        Objects.requireNonNull(classifier, "classifier");
        return SyncCall.run(core, OutboundRequest.call(), attempt -> work.call(), ResponseReader.values(), classifier);
    }

    /**
     * Runs asynchronous work with the client's protections; waits between attempts hold no thread. An attempt
     * running past its time is cancelled ({@link CompletableFuture#cancel}) and counted as a time-out. The work is
     * called once per attempt, possibly on Seawall's timer thread: it must only start its work, not block.
     */
    public <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> work) {
        return callAsync(work, FailureClassifier.DEFAULT);
    }

    /** Like {@link #callAsync(Supplier)}, sorting exceptions with {@code classifier}. */
    public <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> work,
                                              FailureClassifier classifier) {
        Objects.requireNonNull(work, "work");
        Objects.requireNonNull(classifier, "classifier");
        Transport<T> transport = attempt -> {
            CompletionStage<T> stage = work.get();
            return stage == null ? CompletableFuture.failedFuture(new NullPointerException("the work returned null"))
                    : stage.toCompletableFuture();
        };
        return new AsyncCall<>(core, OutboundRequest.call(), transport, ResponseReader.values(), classifier).start();
    }

    /**
     * Sends an HTTP request through the client's protections: the adapters' entry point.
     *
     * @return the final response (a failed status is returned as it came once no retry is allowed), or a failure:
     *         the last attempt's exception, or {@link OutboundException}
     */
    public <R> CompletableFuture<R> execute(OutboundRequest request, Transport<R> transport, ResponseReader<R> reader) {
        return execute(request, transport, reader, FailureClassifier.DEFAULT);
    }

    /** Like {@link #execute(OutboundRequest, Transport, ResponseReader)}, sorting exceptions with {@code classifier}. */
    public <R> CompletableFuture<R> execute(OutboundRequest request, Transport<R> transport, ResponseReader<R> reader,
                                            FailureClassifier classifier) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(reader, "reader");
        Objects.requireNonNull(classifier, "classifier");
        return new AsyncCall<>(core, request, transport, reader, classifier).start();
    }

    /**
     * Sends an HTTP request through the client's protections with every attempt on the calling thread, which sleeps
     * between attempts: for adapters whose caller blocks anyway ({@code HttpClient#send}). Never hedges.
     *
     * @return the final response (a failed status is returned as it came once no retry is allowed)
     * @throws Exception the last attempt's exception when it is not retried, or {@link OutboundException}
     */
    public <R> R executeBlocking(OutboundRequest request, BlockingTransport<R> transport, ResponseReader<R> reader,
                                 FailureClassifier classifier) throws Exception {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(reader, "reader");
        Objects.requireNonNull(classifier, "classifier");
        return SyncCall.run(core, request, transport, reader, classifier);
    }

    /** @return the breakers made so far, by host ({@code host:port}; the empty key for decorated calls) */
    public Map<String, Breaker> breakers() {
        return core.breakers();
    }

    /** @return a snapshot of the client's counts, for status pages */
    public ClientStatus status() {
        return ClientStatus.of(core);
    }

    /** The engine internals this facade drives; for Seawall's own meters and status page. */
    ClientCore core() {
        return core;
    }

    @Override
    public String toString() {
        return "OutboundClient[" + name() + "]";
    }
}
