package dev.seawall.redis;

/** The same bucket-store contract as the local store, against a real Redis, with the default script engine. */
class RedisBucketStoreContractTest extends RedisStoreContract {

    @Override
    String engine() {
        return "script";
    }
}
