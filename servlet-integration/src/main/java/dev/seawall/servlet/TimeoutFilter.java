package dev.seawall.servlet;

import dev.seawall.core.config.PolicyConfig;
import dev.seawall.core.config.TimeoutConfig;
import dev.seawall.core.internal.config.PolicyFactory;
import dev.seawall.core.timeout.TimeoutStage;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;

import java.util.List;
import java.util.Set;

/**
 * The request timeout as a standalone filter for {@code web.xml}: at the deadline the client gets 503 (or 504)
 * {@code timeout} problem+json with {@code Retry-After}, even when the application does not return; the
 * application's thread is interrupted and its later output discarded. Behind a {@link FallbackFilter} the
 * fallback answers instead, exactly as in one {@link SeawallFilter} policy. Map it for the {@code REQUEST}
 * and {@code ASYNC} dispatchers and mark it {@code async-supported} when async applications sit behind it.
 *
 * <p>Init-params (unknown ones are errors): {@code after} (required, e.g. {@code 5s}), {@code status} (503
 * or 504), {@code buffer} (default 256KB, or {@code off}: the deadline then only interrupts and is recorded),
 * {@code methods}, {@code policy} (default {@code timeout}), {@code deadline-header} (a request header in which a
 * caller may send a shorter deadline, in whole milliseconds); or {@code config} plus {@code policy}.
 *
 * <p>While the application runs, the request's deadline is bound to its thread
 * ({@link dev.seawall.core.timeout.Deadline#current()}), so outbound calls through Seawall get at most the time left.
 *
 * <p>Thread-safe once initialised.
 */
public class TimeoutFilter extends StandaloneFilter<TimeoutStage> {

    private static final Set<String> PARAMS = Set.of("config", "policy", "after", "status", "buffer", "methods",
            "deadline-header");

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        String filterName = filterConfig.getFilterName() == null ? "TimeoutFilter" : filterConfig.getFilterName();
        InitParams p = new InitParams(filterName, filterConfig, PARAMS);
        PolicyFactory.Context context = InitParams.context(filterConfig);
        try {
            if (p.has("config")) {
                InitParams.YamlPolicy yaml = p.yamlPolicy(filterConfig.getServletContext(), "a timeout",
                        pc -> pc.timeout() != null, List.of("after", "status", "buffer", "deadline-header"));
                PolicyConfig pc = yaml.policy();
                install(filterName, pc.name(), p.methods(),
                        PolicyFactory.timeoutStage(PolicyFactory.Where.policy(yaml.config(), pc.name()),
                                pc.name(), pc.timeout(), context),
                        pc.failClosed(), pc.bufferBytes());
                return;
            }
            String policyName = p.has("policy") ? p.get("policy") : "timeout";
            TimeoutConfig.Builder b = TimeoutConfig.builder();
            p.forwardInt("status", b::status);
            p.forward("deadline-header", b::deadlineHeader);
            p.required("after");
            p.forward("after", v -> b.after(p.duration("after", null)));
            TimeoutConfig t = p.build(b::build);
            install(filterName, policyName, p.methods(),
                    PolicyFactory.timeoutStage(PolicyFactory.Where.of("init-param"), policyName, t, context), false,
                    p.buffer());
        } catch (IllegalArgumentException e) {
            throw new ServletException(filterName + ": " + e.getMessage(), e);
        }
    }

    /** @return the stage in use (null before init), for status pages and tests */
    @Override
    public TimeoutStage stage() {
        return super.stage();
    }
}
