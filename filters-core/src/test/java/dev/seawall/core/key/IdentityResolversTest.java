package dev.seawall.core.key;

import dev.seawall.core.testing.FakeRequest;
import org.junit.jupiter.api.Test;

import java.security.Principal;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityResolversTest {

    @Test
    void apiKeyComesFromItsHeaderTrimmedAndEmptyMeansMissing() {
        ApiKeyResolver r = new ApiKeyResolver(null);
        assertThat(r.resolve(FakeRequest.get("/").header("X-API-Key", "  abc123  "))).isEqualTo("abc123");
        assertThat(r.resolve(FakeRequest.get("/").header("x-api-key", "abc"))).isEqualTo("abc");
        assertThat(r.resolve(FakeRequest.get("/").header("X-API-Key", "   "))).isNull();
        assertThat(r.resolve(FakeRequest.get("/"))).isNull();
        assertThat(new ApiKeyResolver("Authorization-Key").resolve(FakeRequest.get("/").header("Authorization-Key", "k")))
                .isEqualTo("k");
    }

    @Test
    void apiKeysWithOddBytesOrHugeLengthAreInvalid() {
        ApiKeyResolver r = new ApiKeyResolver(null);
        for (String bad : new String[] {"a b", "a\u0000b", "a\r\nb", "ключ", "k\u007f", "x".repeat(513)}) {
            assertThat(r.resolve(FakeRequest.get("/").header("X-API-Key", bad))).as(bad).isSameAs(KeyResolver.INVALID);
        }
        assertThat(r.resolve(FakeRequest.get("/").header("X-API-Key", "x".repeat(512)))).hasSize(512);
    }

    @Test
    void userIsThePrincipalAndNeverAHeader() {
        UserResolver r = new UserResolver(null);
        assertThat(r.resolve(FakeRequest.get("/").user("alice"))).isEqualTo("alice");
        assertThat(r.resolve(FakeRequest.get("/").header("X-User", "alice").header("Authorization", "Bearer x")))
                .isNull();
        assertThat(r.resolve(FakeRequest.get("/").user("u".repeat(2000)))).isSameAs(KeyResolver.INVALID);
    }

    @Test
    void userCanComeFromAnAttributeSetByAnAuthFilter() {
        UserResolver r = new UserResolver("auth.user");
        Principal p = () -> "carol";
        assertThat(r.resolve(FakeRequest.get("/").attribute("auth.user", p))).isEqualTo("carol");
        assertThat(r.resolve(FakeRequest.get("/").attribute("auth.user", "dave"))).isEqualTo("dave");
        assertThat(r.resolve(FakeRequest.get("/").attribute("auth.user", 42))).isNull();
        assertThat(r.resolve(FakeRequest.get("/").user("ignored"))).isNull();
    }

    @Test
    void tenantFromHeaderIsValidated() {
        TenantResolver r = new TenantResolver(TenantSource.HEADER, null, -1);
        assertThat(r.resolve(FakeRequest.get("/").header("X-Tenant-ID", "acme-01"))).isEqualTo("acme-01");
        assertThat(r.resolve(FakeRequest.get("/"))).isNull();
        assertThat(r.resolve(FakeRequest.get("/").header("X-Tenant-ID", ""))).isNull();
        for (String bad : new String[] {"..", "../etc", "-acme", ".acme", "ac me", "ａｃｍｅ", "acme\u0000", "a".repeat(65),
                "acme/x", "acme;drop", "αcme"}) {
            assertThat(r.resolve(FakeRequest.get("/").header("X-Tenant-ID", bad))).as(bad).isSameAs(KeyResolver.INVALID);
        }
    }

    @Test
    void tenantFromSubdomain() {
        TenantResolver r = new TenantResolver(TenantSource.SUBDOMAIN, null, -1);
        assertThat(r.resolve(FakeRequest.get("/").host("acme.example.com"))).isEqualTo("acme");
        assertThat(r.resolve(FakeRequest.get("/").host("www.example.com"))).isNull();
        assertThat(r.resolve(FakeRequest.get("/").host("example.com"))).isNull();
        assertThat(r.resolve(FakeRequest.get("/").host("192.168.1.1"))).isNull();
        assertThat(r.resolve(FakeRequest.get("/").host("::1"))).isNull();
        assertThat(r.resolve(FakeRequest.get("/").host("a_b!.example.com"))).isSameAs(KeyResolver.INVALID);
    }

    @Test
    void tenantFromPathSegment() {
        TenantResolver r = new TenantResolver(TenantSource.PATH_SEGMENT, null, 1);
        assertThat(r.resolve(FakeRequest.get("/t/acme/orders"))).isEqualTo("acme");
        assertThat(r.resolve(FakeRequest.get("/t/acme"))).isEqualTo("acme");
        assertThat(r.resolve(FakeRequest.get("/t/"))).isNull();
        assertThat(r.resolve(FakeRequest.get("/t"))).isNull();
        assertThat(r.resolve(FakeRequest.get("/t/a%2Fb/orders"))).isSameAs(KeyResolver.INVALID);
    }
}
