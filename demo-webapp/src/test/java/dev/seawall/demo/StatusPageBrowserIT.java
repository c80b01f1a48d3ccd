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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The status page in a real browser: headless Debian Chromium driven by Selenium against a demo server on a
 * free loopback port. A scenario started from the page (a click) must show up on the page by itself: the
 * payments breaker card turns OPEN and the payments latency chart fills. Leaves a screenshot in
 * {@code target/status-page.png}.
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

        Path target = Path.of(System.getProperty("seawall.buildDirectory", "target"));
        Files.createDirectories(target);
        Path png = target.resolve("status-page.png");
        Files.write(png, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(png)).isPositive();
    }
}
