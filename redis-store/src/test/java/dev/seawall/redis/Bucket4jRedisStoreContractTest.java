package dev.seawall.redis;

/** The bucket-store contract for {@code engine: bucket4j} (Bucket4j's compare-and-swap Lettuce integration). */
class Bucket4jRedisStoreContractTest extends RedisStoreContract {

    @Override
    String engine() {
        return "bucket4j";
    }
}
