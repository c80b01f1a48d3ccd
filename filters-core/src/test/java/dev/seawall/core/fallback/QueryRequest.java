package dev.seawall.core.fallback;

import dev.seawall.core.http.RequestView;
import dev.seawall.core.testing.FakeRequest;

/** A {@link FakeRequest} with a query string (FakeRequest has none). Not thread-safe, like its base. */
record QueryRequest(FakeRequest base, String query) implements RequestView {

    @Override
    public String method() {
        return base.method();
    }

    @Override
    public String path() {
        return base.path();
    }

    @Override
    public String query() {
        return query;
    }

    @Override
    public String header(String name) {
        return base.header(name);
    }

    @Override
    public Iterable<String> headers(String name) {
        return base.headers(name);
    }

    @Override
    public String remoteAddress() {
        return base.remoteAddress();
    }

    @Override
    public String host() {
        return base.host();
    }

    @Override
    public String principalName() {
        return base.principalName();
    }

    @Override
    public boolean userInRole(String role) {
        return base.userInRole(role);
    }

    @Override
    public Object attribute(String name) {
        return base.attribute(name);
    }
}
