package dev.seawall.core.testing;

import dev.seawall.core.chain.Admission;
import dev.seawall.core.chain.Permit;
import dev.seawall.core.chain.Stage;
import dev.seawall.core.chain.StageKind;
import dev.seawall.core.http.HeaderSink;
import dev.seawall.core.http.Outcome;
import dev.seawall.core.http.RequestView;
import dev.seawall.core.http.Rejection;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stage for tests that records how its permits are settled: admits (or rejects with a given rejection),
 * optionally writes a header from each permit, and logs "admit/complete/release &lt;name&gt;" events.
 * Thread-safe for the counters and the outcome queue; the optional log list must be synchronized by the caller
 * when used from several threads.
 */
public final class RecordingStage implements Stage {

    private final StageKind kind;
    private Rejection rejection;
    private List<String> log;
    private String headerName;
    private String headerValue;
    public final AtomicInteger admitted = new AtomicInteger();
    public final AtomicInteger releases = new AtomicInteger();
    public final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

    public RecordingStage(StageKind kind) {
        this.kind = kind;
    }

    /** Every request is refused with this rejection. */
    public RecordingStage rejectWith(Rejection r) {
        this.rejection = r;
        return this;
    }

    /** Events are appended to this list. */
    public RecordingStage log(List<String> events) {
        this.log = events;
        return this;
    }

    /** Each admitted permit writes this header. */
    public RecordingStage header(String name, String value) {
        this.headerName = name;
        this.headerValue = value;
        return this;
    }

    /** @return completions plus releases */
    public int settled() {
        return outcomes.size() + releases.get();
    }

    @Override
    public StageKind kind() {
        return kind;
    }

    @Override
    public String name() {
        return kind.configName();
    }

    private void event(String what) {
        if (log != null) {
            log.add(what + " " + name());
        }
    }

    @Override
    public Admission admit(RequestView request, long nowNanos) {
        event("admit");
        if (rejection != null) {
            return rejection;
        }
        admitted.incrementAndGet();
        return new Permit() {
            @Override
            public void writeHeaders(HeaderSink headers) {
                if (headerName != null) {
                    headers.set(headerName, headerValue);
                }
            }

            @Override
            public void complete(Outcome outcome) {
                outcomes.add(outcome);
                event("complete");
            }

            @Override
            public void release() {
                releases.incrementAndGet();
                event("release");
            }
        };
    }
}
