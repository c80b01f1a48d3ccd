package dev.seawall.core.key;

import dev.seawall.core.http.RequestView;

import java.security.Principal;

/**
 * Keys a request by its authenticated user: the container's principal, or — when configured — a request
 * attribute that an authentication filter running before Seawall sets (a {@link Principal} or a String).
 * Never a header or an unverified token claim: those are client-chosen.
 *
 * <p>Thread-safe and stateless. A name over {@link #MAX_LENGTH} chars is {@link #INVALID}.
 */
public final class UserResolver implements KeyResolver {

    public static final int MAX_LENGTH = 1024;

    private final String attribute;

    /** @param attribute a request attribute to read instead of the container principal, or null */
    public UserResolver(String attribute) {
        this.attribute = attribute == null || attribute.isBlank() ? null : attribute;
    }

    @Override
    public KeyKind kind() {
        return KeyKind.USER;
    }

    @Override
    public String resolve(RequestView request) {
        String name;
        if (attribute == null) {
            name = request.principalName();
        } else {
            Object v = request.attribute(attribute);
            if (v instanceof Principal p) {
                name = p.getName();
            } else if (v instanceof String s) {
                name = s;
            } else {
                name = null;
            }
        }
        if (name == null || name.isEmpty()) {
            return null;
        }
        return name.length() > MAX_LENGTH ? INVALID : name;
    }
}
