package dev.seawall.core.chain;

import dev.seawall.core.http.RequestView;
import dev.seawall.core.internal.policy.PathPolicyTable;
import dev.seawall.core.key.ClientNetworks;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.policy.PathPattern;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The requests of one policy that are never limited or shed ({@code exempt:}): those from client networks, on paths,
 * or of users in roles given here. A {@link Chain} built with an exemption lets such a request skip its
 * {@linkplain #skips(StageKind) rate-limit and throttle stages}; the circuit breaker, timeout and fallback still
 * apply, because an exempt caller still must not wait forever on a failing dependency or keep hammering it.
 *
 * <ul>
 *   <li><b>Order and reason.</b> Paths are checked first (cheapest), then roles, then networks; the first that
 *       matches is the reason counted ({@link Reason}).</li>
 *   <li><b>Networks</b> are matched against the client after the trusted-proxy walk ({@link ClientNetworks}).</li>
 *   <li><b>Paths</b> are servlet url-patterns, matched like a policy's paths.</li>
 *   <li><b>Roles</b> are container roles ({@link RequestView#userInRole}); an unauthenticated request has none.</li>
 * </ul>
 * Immutable apart from its counters; thread-safe. Built once at configuration time; {@link #match} allocates nothing
 * for a path or role match, and for a network match allocates only what resolving the client needs
 * ({@link ClientNetworks#contains(RequestView)}).
 */
public final class Exemption {

    /** Why a request was exempt: the {@code reason} tag of {@code seawall.requests.exempt}. */
    public enum Reason {
        /** The client address is in one of the exempt networks. */
        NETWORK("network"),
        /** The request's path matches one of the exempt patterns. */
        PATH("path"),
        /** The user has one of the exempt roles. */
        ROLE("role");

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        /** @return the meter tag value, e.g. {@code network} */
        public String tag() {
            return tag;
        }
    }

    private final String policy;
    private final ClientNetworks networks;
    private final PathPolicyTable<Boolean> paths;
    private final String[] roles;
    private final List<String> pathText;
    private final LongAdder[] counts = new LongAdder[Reason.values().length];

    private Exemption(Builder b) {
        this.policy = b.policy;
        this.networks = ClientNetworks.of(b.networks, b.trusted);
        PathPolicyTable.Builder<Boolean> table = PathPolicyTable.builder();
        for (String p : b.paths) {
            table.add(p, Set.of(), Boolean.TRUE, "exempt");
        }
        this.paths = b.paths.isEmpty() ? null : table.build();
        this.pathText = List.copyOf(b.paths);
        this.roles = b.roles.toArray(new String[0]);
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** @param policy the policy's name, the {@code policy} tag of the exemption meter */
    public static Builder builder(String policy) {
        return new Builder(policy);
    }

    /** @return whether an exempt request skips stages of this kind: rate limits and the throttle */
    public static boolean skips(StageKind kind) {
        return kind == StageKind.RATE_LIMIT || kind == StageKind.THROTTLE;
    }

    /** @return why the request is exempt, or null when it is not; counts nothing */
    public Reason match(RequestView request) {
        if (paths != null) {
            String method = request.method();
            if (paths.match(method == null ? "GET" : method, request.path()) != null) {
                return Reason.PATH;
            }
        }
        for (String role : roles) {
            if (request.userInRole(role)) {
                return Reason.ROLE;
            }
        }
        if (!networks.isEmpty() && networks.contains(request)) {
            return Reason.NETWORK;
        }
        return null;
    }

    /** @return whether the request is exempt, counting it by reason when it is */
    boolean admitExempt(RequestView request) {
        Reason r = match(request);
        if (r == null) {
            return false;
        }
        counts[r.ordinal()].increment();
        return true;
    }

    /** @return the policy's name */
    public String policy() {
        return policy;
    }

    /** @return how many requests were exempt for this reason */
    public long count(Reason reason) {
        return counts[reason.ordinal()].sum();
    }

    /** @return the exempt networks as configured */
    public List<String> networks() {
        return networks.entries();
    }

    /** @return the exempt path patterns as configured */
    public List<String> paths() {
        return pathText;
    }

    /** @return the exempt roles */
    public List<String> roles() {
        return List.of(roles);
    }

    @Override
    public String toString() {
        return "Exemption[policy=" + policy + ", networks=" + networks() + ", paths=" + pathText + ", roles="
                + roles() + "]";
    }

    /** Collects an exemption; duplicates are kept once. Not thread-safe. */
    public static final class Builder {
        private final String policy;
        private final List<String> networks = new ArrayList<>();
        private final Set<String> paths = new LinkedHashSet<>();
        private final Set<String> roles = new LinkedHashSet<>();
        private TrustedProxies trusted = TrustedProxies.none();

        private Builder(String policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /** Client networks: addresses or CIDR blocks. @throws IllegalArgumentException naming a bad entry */
        public Builder networks(List<String> entries) {
            ClientNetworks.of(entries, TrustedProxies.none());
            networks.addAll(entries);
            return this;
        }

        /** Servlet url-patterns. @throws IllegalArgumentException for an invalid pattern */
        public Builder paths(List<String> patterns) {
            for (String p : patterns) {
                PathPattern.parse(p);
            }
            paths.addAll(patterns);
            return this;
        }

        /** Container roles. @throws IllegalArgumentException for a blank role */
        public Builder roles(List<String> names) {
            for (String r : names) {
                if (r == null || r.isBlank()) {
                    throw new IllegalArgumentException("a role must not be blank");
                }
            }
            roles.addAll(names);
            return this;
        }

        /** The proxies whose forwarding headers are believed when finding the client; default none. */
        public Builder trustedProxies(TrustedProxies trusted) {
            this.trusted = Objects.requireNonNull(trusted, "trusted");
            return this;
        }

        /** @return the exemption, or null when nothing was given (nothing is exempt) */
        public Exemption build() {
            if (networks.isEmpty() && paths.isEmpty() && roles.isEmpty()) {
                return null;
            }
            return new Exemption(this);
        }
    }
}
