package dev.seawall.core.ratelimit;

/**
 * What a limit decided for one request: the {@code outcome} tag of {@code seawall.ratelimit.decisions} and the
 * counters of the status page. Immutable.
 */
public enum Decision {
    /** The limit took a token and the whole policy admitted the request. */
    ADMITTED("admitted"),
    /** The limit had no token: the request was refused with 429. */
    REJECTED("rejected"),
    /**
     * The limit is in shadow mode and had no token: it would have refused the request, and let it pass. Nothing was
     * taken from its bucket (a refused request spends nothing either), so the count is what enforcing would refuse.
     */
    WOULD_REJECT("would-reject"),
    /** The request had no key for the limit and {@code on-missing: skip} let it pass this limit. */
    SKIPPED("skipped"),
    /** The request had no key and {@code on-missing: reject} refused it. */
    MISSING("missing"),
    /** The request's key was malformed and the request was refused. */
    INVALID("invalid");

    private final String tag;

    Decision(String tag) {
        this.tag = tag;
    }

    /** @return the meter tag value, e.g. {@code admitted} */
    public String tag() {
        return tag;
    }
}
