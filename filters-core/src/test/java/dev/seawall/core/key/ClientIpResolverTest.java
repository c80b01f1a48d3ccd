package dev.seawall.core.key;

import dev.seawall.core.testing.FakeRequest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ClientIpResolverTest {

    private static final TrustedProxies PROXIES = TrustedProxies.of(List.of("10.0.0.0/8", "::1/128"));
    private final ClientIpResolver behindProxies = new ClientIpResolver(PROXIES, 64);
    private final ClientIpResolver direct = new ClientIpResolver(TrustedProxies.none(), 64);

    @Test
    void usesThePeerWhenNoProxyIsTrusted() {
        assertThat(direct.resolve(FakeRequest.get("/").from("192.0.2.7"))).isEqualTo("192.0.2.7");
    }

    @Test
    void ignoresForwardedForFromUntrustedPeer() {
        FakeRequest r = FakeRequest.get("/").from("192.0.2.7").header("X-Forwarded-For", "203.0.113.1")
                .header("Forwarded", "for=203.0.113.2");
        assertThat(direct.resolve(r)).isEqualTo("192.0.2.7");
        assertThat(behindProxies.resolve(r)).isEqualTo("192.0.2.7");
    }

    @Test
    void walksForwardedForFromTheRightSkippingTrustedHops() {
        FakeRequest r = FakeRequest.get("/").from("10.0.0.1")
                .header("X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.1.1.1, 10.2.2.2");
        assertThat(behindProxies.resolve(r)).isEqualTo("203.0.113.9");
    }

    @Test
    void clientPrependedEntriesCannotChooseTheKey() {
        for (String fake : new String[] {"1.1.1.1", "10.0.0.5", "unknown", "garbage", "::1"}) {
            FakeRequest r = FakeRequest.get("/").from("10.0.0.1").header("X-Forwarded-For", fake + ", 203.0.113.9");
            assertThat(behindProxies.resolve(r)).as(fake).isEqualTo("203.0.113.9");
        }
    }

    @Test
    void readsEveryHeaderLineInOrder() {
        FakeRequest r = FakeRequest.get("/").from("10.0.0.1")
                .header("X-Forwarded-For", "6.6.6.6").header("X-Forwarded-For", "203.0.113.4, 10.0.0.9");
        assertThat(behindProxies.resolve(r)).isEqualTo("203.0.113.4");
    }

    @Test
    void malformedEntryStopsTheWalkAtTheLastTrustedHop() {
        for (String bad : new String[] {"", " ", ",,,", "not-an-ip", "1.2.3", "1.2.3.4.5", "256.1.1.1", "010.1.1.1",
                "0x7f.0.0.1", "2130706433", "1.2.3.4:99999", "[::1", "::1]", "1:2:3:4:5:6:7:8:9", "1.2.3.4\r\nX: y",
                "1.2.3.4\u0000", "_hidden", "unknown"}) {
            FakeRequest r = FakeRequest.get("/").from("10.0.0.1").header("X-Forwarded-For", bad + ", 10.0.0.7");
            assertThat(behindProxies.resolve(r)).as(bad).isEqualTo("10.0.0.7");
        }
    }

    @Test
    void allTrustedHopsMeanTheFarthestTrustedHopIsTheClient() {
        FakeRequest r = FakeRequest.get("/").from("10.0.0.1").header("X-Forwarded-For", "10.9.9.9, 10.0.0.2");
        assertThat(behindProxies.resolve(r)).isEqualTo("10.9.9.9");
    }

    @Test
    void thousandsOfHopsAreBoundedAndNeverReachTheClientWrittenEnd() {
        StringBuilder sb = new StringBuilder("203.0.113.66");
        for (int i = 0; i < 5000; i++) {
            sb.append(", 10.0.").append(i % 250).append('.').append(i % 200);
        }
        FakeRequest r = FakeRequest.get("/").from("10.0.0.1").header("X-Forwarded-For", sb.toString());
        String key = behindProxies.resolve(r);
        assertThat(key).startsWith("10.").isNotEqualTo("203.0.113.66");
    }

    @Test
    void oversizedHeadersAreCutFromTheLeft() {
        String huge = "a".repeat(100_000) + ", 203.0.113.5";
        FakeRequest r = FakeRequest.get("/").from("10.0.0.1").header("X-Forwarded-For", huge);
        assertThat(behindProxies.resolve(r)).isEqualTo("203.0.113.5");
        FakeRequest many = FakeRequest.get("/").from("10.0.0.1");
        for (int i = 0; i < 2000; i++) {
            many.header("X-Forwarded-For", "1.2.3." + (i % 250));
        }
        many.header("X-Forwarded-For", "203.0.113.6");
        assertThat(behindProxies.resolve(many)).isEqualTo("203.0.113.6");
    }

    @Test
    void forwardedHeaderWinsAndItsQuotedAndBracketedFormsAreRead() {
        FakeRequest r = FakeRequest.get("/").from("10.0.0.1")
                .header("X-Forwarded-For", "198.51.100.1")
                .header("Forwarded", "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https, for=10.0.0.3;by=10.0.0.1");
        assertThat(behindProxies.resolve(r)).isEqualTo("2001:db8:cafe::/64");
        FakeRequest obfuscated = FakeRequest.get("/").from("10.0.0.1")
                .header("Forwarded", "for=198.51.100.2, for=_gazonk, for=10.0.0.4");
        assertThat(behindProxies.resolve(obfuscated)).isEqualTo("10.0.0.4");
        FakeRequest unknown = FakeRequest.get("/").from("10.0.0.1").header("Forwarded", "for=unknown");
        assertThat(behindProxies.resolve(unknown)).isEqualTo("10.0.0.1");
        FakeRequest caseAndSpaces = FakeRequest.get("/").from("10.0.0.1").header("Forwarded", "By=x; FOR = 198.51.100.3 ");
        assertThat(behindProxies.resolve(caseAndSpaces)).isEqualTo("198.51.100.3");
    }

    @Test
    void ipv6TextualVariantsOfOneAddressYieldOneKey() {
        ClientIpResolver exact = new ClientIpResolver(PROXIES, 128);
        String[] variants = {"2001:DB8::1", "2001:0db8:0:0:0:0:0:1", "[2001:db8::1]:443", "2001:db8:0::1",
                "[2001:db8::1]", "2001:db8::0:1"};
        for (String v : variants) {
            FakeRequest r = FakeRequest.get("/").from("::1").header("X-Forwarded-For", v);
            assertThat(exact.resolve(r)).as(v).isEqualTo("2001:db8::1");
        }
    }

    @Test
    void ipv4MappedIpv6IsTheIpv4Client() {
        assertThat(direct.resolve(FakeRequest.get("/").from("::ffff:192.0.2.1"))).isEqualTo("192.0.2.1");
        assertThat(direct.resolve(FakeRequest.get("/").from("::FFFF:c000:0201"))).isEqualTo("192.0.2.1");
        FakeRequest r = FakeRequest.get("/").from("10.0.0.1").header("X-Forwarded-For", "::ffff:10.0.0.8, 192.0.2.9");
        assertThat(behindProxies.resolve(r)).isEqualTo("192.0.2.9");
        assertThat(TrustedProxies.of(List.of("::ffff:10.0.0.0/104")).contains(new byte[] {10, 1, 2, 3})).isTrue();
    }

    @Test
    void ipv6ClientsAreGroupedByPrefix() {
        String a = direct.resolve(FakeRequest.get("/").from("2001:db8:1:2:aaaa::1"));
        String b = direct.resolve(FakeRequest.get("/").from("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
        String c = direct.resolve(FakeRequest.get("/").from("2001:db8:1:3::1"));
        assertThat(a).isEqualTo("2001:db8:1:2::/64").isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
        assertThat(new ClientIpResolver(TrustedProxies.none(), 48).resolve(FakeRequest.get("/").from("2001:db8:1:3::1")))
                .isEqualTo("2001:db8:1::/48");
    }

    @Test
    void zoneIdsAreDropped() {
        assertThat(new ClientIpResolver(TrustedProxies.none(), 128).resolve(FakeRequest.get("/").from("fe80::1%eth0")))
                .isEqualTo("fe80::1");
    }

    @Test
    void anUnparseablePeerIsStillAKeyTheClientDidNotChoose() {
        assertThat(direct.resolve(FakeRequest.get("/").from("unix:/tmp/socket"))).isEqualTo("unix:/tmp/socket");
        assertThat(direct.resolve(FakeRequest.get("/").from("x".repeat(500)))).hasSize(64);
        assertThat(direct.resolve(FakeRequest.get("/").from(""))).isNull();
    }

    @Test
    void randomGarbageNeverThrows() {
        Random random = new Random(42);
        String alphabet = "0123456789abcdefABCDEF:.[],;=\"_ %\t\r\n\u0000xyz-fornuk";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(60);
            for (int j = 0; j < len; j++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            FakeRequest r = FakeRequest.get("/").from(random.nextBoolean() ? "10.0.0.1" : sb.toString())
                    .header(random.nextBoolean() ? "X-Forwarded-For" : "Forwarded", sb.toString());
            String key = behindProxies.resolve(r);
            assertThat(key == null || key.length() <= 64).isTrue();
        }
    }

    @Test
    void trustedProxyEntriesAreValidated() {
        for (String bad : new String[] {"", "10.0.0.0/33", "::1/129", "10.0.0.0/-1", "example.com", "10.0.0.0/x",
                "1.2.3.4/", "fe80::1%eth0"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrustedProxies.of(List.of(bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        TrustedProxies t = TrustedProxies.of(List.of("192.0.2.0/25"));
        assertThat(t.contains(IpAddresses.parseHost("192.0.2.127"))).isTrue();
        assertThat(t.contains(IpAddresses.parseHost("192.0.2.128"))).isFalse();
        assertThat(TrustedProxies.of(List.of("0.0.0.0/0")).contains(IpAddresses.parseHost("8.8.8.8"))).isTrue();
    }

    @Test
    void formatsIpv6PerRfc5952() {
        assertThat(IpAddresses.format(IpAddresses.parseHost("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(IpAddresses.format(IpAddresses.parseHost("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(IpAddresses.format(IpAddresses.parseHost("::"))).isEqualTo("::");
        assertThat(IpAddresses.format(IpAddresses.parseHost("::1"))).isEqualTo("::1");
        assertThat(IpAddresses.format(IpAddresses.parseHost("1::"))).isEqualTo("1::");
        assertThat(IpAddresses.parseHost("1:::2")).isNull();
        assertThat(IpAddresses.parseHost("1::2::3")).isNull();
        assertThat(IpAddresses.parseHost(":1:2:3:4:5:6:7")).isNull();
        assertThat(IpAddresses.parseHost("1:2:3:4:5:6:7:")).isNull();
        assertThat(IpAddresses.parseHost("12345::")).isNull();
        assertThat(IpAddresses.parseHost("::1.2.3.4.5")).isNull();
    }

    @Test
    void theAllocationFreeIpv4CheckAgreesWithTheParserOnCanonicalForms() {
        for (String ok : List.of("0.0.0.0", "1.2.3.4", "10.0.0.1", "255.255.255.255", "192.168.100.200")) {
            assertThat(IpAddresses.isCanonicalIpv4(ok)).as(ok).isTrue();
            assertThat(IpAddresses.format(IpAddresses.parseHost(ok))).isEqualTo(ok);
        }
        for (String bad : List.of("", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "256.1.1.1", "1.2.3.1000",
                "010.0.0.1", "1.2.3.04", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4:80", "::1", "::ffff:1.2.3.4", "a.b.c.d",
                "1.2.3.4.5", "1234.1.1.1", "1.2.3.-4", "\u0661.2.3.4")) {
            assertThat(IpAddresses.isCanonicalIpv4(bad)).as(bad).isFalse();
        }
        Random random = new Random(42);
        String alphabet = "0123456789.:";
        for (int i = 0; i < 100_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int n = 1 + random.nextInt(16); n > 0; n--) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = sb.toString();
            if (IpAddresses.isCanonicalIpv4(s)) {
                byte[] parsed = IpAddresses.parseHost(s);
                assertThat(parsed).as(s).hasSize(4);
                assertThat(IpAddresses.format(parsed)).as(s).isEqualTo(s);
            }
        }
    }

    @Test
    void anUntrustedPeerIsItsOwnKeyWhetherOrNotItTakesTheFastPath() {
        ClientIpResolver r = new ClientIpResolver(TrustedProxies.none(), 64);
        assertThat(r.resolve(FakeRequest.get("/").from("10.0.0.1"))).isEqualTo("10.0.0.1");
        assertThat(r.resolve(FakeRequest.get("/").from("::ffff:10.0.0.1"))).isEqualTo("10.0.0.1");
    }

    /**
     * The client hop of {@code X-Forwarded-For} is cut out of the header when it is a canonical IPv4 literal, and
     * formatted from its bytes otherwise; either way the key must be the canonical form of the parsed address, so
     * that every spelling of one client is one key. Checked against parse-then-format over random hops.
     */
    @Test
    void aForwardedClientsKeyIsItsCanonicalFormHoweverItWasSpelled() {
        Random random = new Random(7);
        String[] pads = {"", " ", "  ", "\t", " \t"};
        for (int i = 0; i < 50_000; i++) {
            String address = random.nextInt(4) == 0 ? "2001:db8:" + Integer.toHexString(random.nextInt(65536)) + "::"
                    + Integer.toHexString(random.nextInt(65536))
                    // never in 10/8, which these proxies trust
                    : ((11 + random.nextInt(245)) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
                    + random.nextInt(256));
            String spelled = switch (random.nextInt(6)) {
                case 0 -> address.contains(":") ? "[" + address + "]:443" : address + ":8080";
                case 1 -> address.contains(":") ? address : "::ffff:" + address;
                case 2 -> address.contains(":") ? address.toUpperCase(java.util.Locale.ROOT) : address;
                default -> address;
            };
            String hop = pads[random.nextInt(pads.length)] + spelled + pads[random.nextInt(pads.length)];
            String xff = random.nextBoolean() ? hop : "198.51.100.1," + hop + (random.nextBoolean() ? ", 10.3.3.3" : "");
            FakeRequest r = FakeRequest.get("/").from("10.0.0.1").header("X-Forwarded-For", xff);
            byte[] parsed = IpAddresses.parseHost(hop);
            String expected = parsed.length == 16
                    ? IpAddresses.format(TrustedProxies.mask(parsed, 64)) + "/64"
                    : IpAddresses.format(parsed);
            assertThat(behindProxies.resolve(r)).as(xff).isEqualTo(expected);
        }
    }
}
