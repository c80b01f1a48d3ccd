package dev.seawall.servlet;

import dev.seawall.core.Seawall;
import dev.seawall.core.chain.Exemption;
import dev.seawall.core.chain.Stage;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;
import java.util.Set;

/**
 * What every one-stage filter for {@code web.xml} shares: the engine holding its single policy, the runner,
 * and the lifecycle. Subclasses only turn their init-params into a stage. Thread-safe once initialised.
 *
 * @param <S> the stage type the filter runs
 */
abstract class StandaloneFilter<S extends Stage> implements Filter {

    private final PolicyRunner runner = new PolicyRunner(this);
    private volatile Seawall engine;
    private volatile S stage;

    /** Makes the stage live for every request the filter-mapping sends. */
    final void install(String filterName, String policyName, Set<String> methods, S built) {
        this.stage = built;
        this.engine = InitParams.singleStageEngine(filterName, policyName, methods, built);
    }

    /**
     * Like {@link #install(String, String, Set, Stage)} for a stage taken from a YAML policy: requests the policy's
     * (and the file's) {@code exempt} block matches skip it, as in a {@link SeawallFilter}.
     *
     * @param exemption who skips the stage, or null for nobody
     */
    final void install(String filterName, String policyName, Set<String> methods, S built, Exemption exemption,
                       MeterRegistry registry) {
        this.stage = built;
        this.engine = InitParams.singleStageEngine(filterName, policyName, methods, built, exemption, registry);
    }

    /** Like {@link #install(String, String, Set, Stage)} for stages that answer for the application. */
    final void install(String filterName, String policyName, Set<String> methods, S built, boolean failClosed,
                       int bufferBytes) {
        this.stage = built;
        this.engine = InitParams.singleStageEngine(filterName, policyName, methods, built, failClosed, bufferBytes);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        runner.doFilter(engine, request, response, chain);
    }

    /** @return the stage in use (null before init), for status pages and tests */
    public S stage() {
        return stage;
    }

    @Override
    public void destroy() {
        Seawall e = engine;
        engine = null;
        if (e != null) {
            e.close(); // stops the deadline timer thread, which would otherwise outlive a redeploy
        }
    }
}
