package dev.seawall.demo;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The status page in a real browser: headless Debian Chromium driven by Selenium against a demo server on a
 * free loopback port. A scenario started from the page (a click) must show up on the page by itself: the
 * payments breaker card turns OPEN and the payments latency chart fills; every chart has a time axis with labelled
 * ticks and keeps its data across a reload of the page (the history is the server's); the token field shows the token
 * in use; the stale-copy button shows the catalog's cached copy. Leaves screenshots in {@code target/status-page.png}
 * and {@code target/status-page-stale.png}.
 *
 * <p>Runs only in the {@code browser} Maven profile ({@code -Pbrowser}, failsafe), which passes the paths of
 * {@code chromedriver} and {@code chromium}. Nothing is downloaded: the driver path is given explicitly, so
 * Selenium Manager is never asked, and the profile also sets {@code SE_OFFLINE=true}.
 */
class StatusPageBrowserIT {

    private static final String TOKEN = "browser-test-token-0123456789";

    private Path profile;
    private ChromeDriverService service;
    private ChromeDriver browser;
    private DemoServer demo;

    @BeforeEach
    void start() throws Exception {
        String driverPath = System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
        System.setProperty("webdriver.chrome.driver", driverPath);
        profile = Files.createTempDirectory("seawall-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(System.getProperty("seawall.chromium", "/usr/bin/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--no-proxy-server", "--window-size=1400,2400",
                "--user-data-dir=" + profile.toAbsolutePath());
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(driverPath)).usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        // the script clock is pinned to its healthy phase: only the scenario makes payments fail
        demo = DemoServer.start(0, TOKEN, () -> 45_000L);
    }

    @AfterEach
    void stop() throws IOException {
        try {
            if (browser != null) {
                browser.quit();
            }
            if (service != null) {
                service.stop();
            }
            if (demo != null) {
                demo.close();
            }
        } finally {
            if (profile != null) {
                try (Stream<Path> files = Files.walk(profile)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** Read through one script so that a re-render every 2 s never leaves the test holding a stale element. */
    private Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private String paymentsBreakerState() {
        return (String) js("const s = document.querySelector('section[data-policy=payments] .breaker-state');"
                + " return s ? s.dataset.state : null;");
    }

    private long paymentsLatencyCalls() {
        Object calls = js("const c = document.querySelector('section[data-policy=payments] canvas.latency-chart');"
                + " return c ? Number(c.dataset.calls) : -1;");
        return ((Number) calls).longValue();
    }

    private void screenshot(String name) throws IOException {
        Path target = Path.of(System.getProperty("seawall.buildDirectory", "target"));
        Files.createDirectories(target);
        Path png = target.resolve(name);
        Files.write(png, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(png)).isPositive();
    }

    /** The data-* attributes of a card's first chart of a stage, read in one script. */
    @SuppressWarnings("unchecked")
    private java.util.Map<String, Object> chart(String policy, String kind) {
        return (java.util.Map<String, Object>) js("const c = document.querySelector('section[data-policy=\"" + policy
                + "\"] .stage[data-kind=\"" + kind + "\"] canvas');"
                + " return c ? {ticks: c.dataset.ticks, samples: Number(c.dataset.samples), total: Number(c.dataset.total),"
                + " start: Number(c.dataset.start), end: Number(c.dataset.end)} : null;");
    }

    @Test
    void chartsHaveTimeAxesAndServerHistoryTheTokenFieldShowsTheTokenAndTheStaleButtonShowsTheCachedCopy()
            throws IOException {
        browser.get(demo.uri() + "/seawall/#token=" + TOKEN);
        await().atMost(Duration.ofSeconds(30)).until(() -> "CLOSED".equals(paymentsBreakerState()));
        assertThat(js("return document.getElementById('token').value;")).as("the token in use").isEqualTo(TOKEN);

        // every chart has a time axis: five minutes, a labelled tick per minute in HH:MM
        java.util.Map<String, Object> login = chart("login", "rate-limits");
        assertThat(login).isNotNull();
        assertThat(((Number) login.get("end")).longValue() - ((Number) login.get("start")).longValue())
                .isEqualTo(300_000L);
        assertThat((String) login.get("ticks")).matches("(\\d\\d:\\d\\d ?){4,6}");
        assertThat((Long) js("return document.querySelectorAll('canvas.time-chart').length;")).isGreaterThan(20);
        assertThat((Long) js("return [...document.querySelectorAll('canvas.time-chart')]"
                + ".filter(c => !/\\d\\d:\\d\\d/.test(c.dataset.ticks)).length;")).isZero();

        // refusals reach the chart through the server's history, and a reloaded page still shows them
        for (int i = 0; i < 8; i++) {
            given().baseUri(demo.uri()).post("/login");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) chart("login", "rate-limits").get("total"))
                .doubleValue() > 0);
        browser.navigate().refresh();
        await().atMost(Duration.ofSeconds(30)).until(() -> chart("login", "rate-limits") != null
                && ((Number) chart("login", "rate-limits").get("total")).doubleValue() > 0);
        assertThat(js("return document.getElementById('token').value;")).as("kept in this tab after a reload")
                .isEqualTo(TOKEN);

        // a token typed in is the one in use: a wrong one is refused, and the field keeps showing it
        js("document.getElementById('token').value = 'a-wrong-token-of-some-length';"
                + " document.querySelector('#login button[type=submit]').click();");
        await().atMost(Duration.ofSeconds(10)).until(() -> "token refused".equals(js(
                "return document.getElementById('message').textContent;")));
        assertThat(js("return document.getElementById('token').value;")).isEqualTo("a-wrong-token-of-some-length");
        js("document.getElementById('token').value = '" + TOKEN + "';"
                + " document.querySelector('#login button[type=submit]').click();");
        await().atMost(Duration.ofSeconds(10)).until(() -> "".equals(js(
                "return document.getElementById('message').textContent;")));

        browser.findElement(By.id("scenario-catalog-down")).click();
        await().atMost(Duration.ofSeconds(30)).until(() -> String.valueOf(js(
                "return document.getElementById('stale-result').textContent;")).contains("X-Data-Source: cache"));
        assertThat((String) js("return document.getElementById('stale-result').textContent;"))
                .contains("before: 200, X-Data-Source: live").contains("Age: ");
        await().atMost(Duration.ofSeconds(10)).until(() -> "true".equals(js(
                "return document.getElementById('catalog').dataset.down;")));
        await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) chart("catalog", "fallback").get("total"))
                .doubleValue() > 0);
        screenshot("status-page-stale.png");
        browser.findElement(By.id("scenario-catalog-up")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> "false".equals(js(
                "return document.getElementById('catalog').dataset.down;")));
    }

    @Test
    void aScenarioStartedFromThePageOpensThePaymentsBreakerAndFillsItsLatencyChart() throws IOException {
        browser.get(demo.uri() + "/seawall/#token=" + TOKEN);
        await().atMost(Duration.ofSeconds(30)).until(() -> "CLOSED".equals(paymentsBreakerState()));
        assertThat(paymentsLatencyCalls()).isZero();
        assertThat(browser.getCurrentUrl()).as("the token is kept out of the address bar").doesNotContain(TOKEN);
        // the page's own extras are there: timeout and fallback rows on the payments card
        assertThat((String) js("return document.querySelector('section[data-policy=payments]').innerText;"))
                .contains("answered at the deadline").contains("served static / handler");

        browser.findElement(By.id("scenario-fail60")).click();

        // the page changed the provider, sends payment traffic itself and shows the result without a reload
        await().atMost(Duration.ofSeconds(30)).until(() -> demo.provider().settings().mode() == PaymentProvider.Mode.MANUAL);
        assertThat(demo.provider().settings().failureRate()).isEqualTo(0.6);
        // the page sends traffic for 60 s; at a 60 % failure rate a 10-call window reaches 50 % within seconds
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> "OPEN".equals(paymentsBreakerState()));
        await().atMost(Duration.ofSeconds(30)).until(() -> paymentsLatencyCalls() > 0);
        assertThat((String) js("return document.getElementById('provider').textContent;")).contains("60 %");
        // the breaker's strip shows the open state over time
        await().atMost(Duration.ofSeconds(30)).until(() -> String.valueOf(js(
                "const c = document.querySelector('section[data-policy=payments] canvas.state-strip');"
                        + " return c ? c.dataset.states.split(' ').includes('open') : false;")).equals("true"));
        screenshot("status-page.png");
    }
}
