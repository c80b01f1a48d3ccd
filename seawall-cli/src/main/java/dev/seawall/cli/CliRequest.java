package dev.seawall.cli;

import dev.seawall.core.http.RequestView;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The request {@code explain} describes, as the engine's resolvers and exemptions see one: the method, the path, the
 * headers given with {@code -H}, the connection's address ({@code --client-ip}), the authenticated user
 * ({@code --user}) and its roles ({@code --role}). Nothing is looked up: no name is resolved, no attribute is set.
 * Immutable; thread-safe.
 *
 * @param headers header lines by lower-cased name, in the order given
 */
record CliRequest(String method, String path, Map<String, List<String>> headers, String remoteAddress, String user,
                  Set<String> roles) implements RequestView {

    CliRequest {
        headers = Map.copyOf(headers);
        roles = Set.copyOf(roles);
    }

    @Override
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public Iterable<String> headers(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null ? List.of() : new ArrayList<>(values);
    }

    @Override
    public String host() {
        return header("host");
    }

    @Override
    public String principalName() {
        return user;
    }

    @Override
    public boolean userInRole(String role) {
        return user != null && roles.contains(role);
    }

    @Override
    public Object attribute(String name) {
        return null;
    }
}
