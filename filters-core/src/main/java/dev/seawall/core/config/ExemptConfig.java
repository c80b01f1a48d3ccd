package dev.seawall.core.config;

import dev.seawall.core.internal.config.ConfigValues;
import dev.seawall.core.key.ClientNetworks;
import dev.seawall.core.key.TrustedProxies;
import dev.seawall.core.policy.PathPattern;

import java.util.ArrayList;
import java.util.List;

/**
 * An {@code exempt} block, on a policy or at the top level of the file: requests that are never limited or shed. An
 * exempt request skips the policy's rate limits and throttle; its circuit breaker, timeout and fallback still apply.
 * Immutable and thread-safe; built and validated by {@link #builder()}.
 *
 * @param networks client addresses and CIDR blocks, matched against the client after the trusted-proxy walk
 * @param paths    servlet url-patterns
 * @param roles    container roles
 */
public record ExemptConfig(List<String> networks, List<String> paths, List<String> roles) {

    /** Most entries of each list. */
    public static final int MAX_ENTRIES = 1_000;

    public ExemptConfig {
        networks = List.copyOf(networks);
        paths = List.copyOf(paths);
        roles = List.copyOf(roles);
    }

    /** @return a request matching either block is exempt: this block's entries followed by the other's */
    public ExemptConfig and(ExemptConfig other) {
        if (other == null) {
            return this;
        }
        List<String> n = new ArrayList<>(networks);
        n.addAll(other.networks);
        List<String> p = new ArrayList<>(paths);
        p.addAll(other.paths);
        List<String> r = new ArrayList<>(roles);
        r.addAll(other.roles);
        return new ExemptConfig(n, p, r);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Validating builder: setters throw {@link InvalidSettingException} naming the key ({@code networks},
     * {@code paths}, {@code roles}). Not thread-safe.
     */
    public static final class Builder {
        private final List<String> networks = new ArrayList<>();
        private final List<String> paths = new ArrayList<>();
        private final List<String> roles = new ArrayList<>();

        private Builder() {
        }

        /** One of {@code networks}: an IPv4 or IPv6 address or CIDR block. */
        public Builder network(String entry) {
            room("networks", networks);
            try {
                ClientNetworks.of(List.of(String.valueOf(entry)), TrustedProxies.none());
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException("networks", e.getMessage());
            }
            networks.add(entry.trim());
            return this;
        }

        /** One of {@code paths}: a servlet url-pattern. */
        public Builder path(String pattern) {
            room("paths", paths);
            try {
                PathPattern.parse(pattern);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException("paths", e.getMessage());
            }
            paths.add(pattern);
            return this;
        }

        /** One of {@code roles}: a container role name (1-200 printable characters, no spaces at either end). */
        public Builder role(String role) {
            room("roles", roles);
            if (role == null || role.isEmpty() || role.length() > 200 || !role.equals(role.strip())
                    || !role.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
                throw new InvalidSettingException("roles", ConfigValues.quote(String.valueOf(role))
                        + " is not a role name (1-200 printable characters)");
            }
            roles.add(role);
            return this;
        }

        private static void room(String key, List<String> list) {
            if (list.size() >= MAX_ENTRIES) {
                throw new InvalidSettingException(key, "has more than " + MAX_ENTRIES + " entries");
            }
        }

        public ExemptConfig build() {
            if (networks.isEmpty() && paths.isEmpty() && roles.isEmpty()) {
                throw new InvalidSettingException("", "must list networks, paths or roles (omit exempt for none)");
            }
            return new ExemptConfig(networks, paths, roles);
        }
    }
}
